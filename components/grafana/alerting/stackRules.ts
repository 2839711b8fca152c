// Is the observability stack itself healthy? Each backend's own health (its healthRules.ts, from the
// registry), the volumes the stack writes to and (on self-managed clusters) the control plane; selected by
// the stack's namespace where it applies (metric names as the components export them; see also the
// "Observability Stack Health" dashboard).

import { BACKEND_KEYS, BACKENDS, type BackendKey } from "../../backends";
import { PLATFORM_TEAM } from "../../vocabulary";
import type { AlertRuleDefinition, AlertRuleInput } from "./rules";

const K8S_RUNBOOKS = "https://runbooks.prometheus-operator.dev/runbooks";
const RUNBOOKS = {
    volumeFillingUp: `${K8S_RUNBOOKS}/kubernetes/kubepersistentvolumefillingup`,
} as const;

/**
 * Prometheus' rules lead the group: without its scrapes and rule evaluation every other rule is blind.
 * Grafana keeps a group's rules in the order given: another order would update the deployed group.
 */
const HEALTH_RULE_BACKENDS: BackendKey[] = ["prometheus", ...BACKEND_KEYS.filter((key) => key !== "prometheus")];

/**
 * Control-plane jobs kube-prometheus-stack scrapes on self-managed clusters only (components/prometheus/Prometheus.ts
 * turns them off when the control plane is managed). etcd is left to its own mixin: scraping it needs
 * client certificates many clusters do not hand out.
 */
const CONTROL_PLANE_JOBS = [
    { job: "kube-scheduler", title: "Kubernetes Scheduler Down", runbook: `${K8S_RUNBOOKS}/kubernetes/kubeschedulerdown` },
    { job: "kube-controller-manager", title: "Kubernetes Controller Manager Down", runbook: `${K8S_RUNBOOKS}/kubernetes/kubecontrollermanagerdown` },
    { job: "kube-proxy", title: "Kubernetes Proxy Down", runbook: `${K8S_RUNBOOKS}/kubernetes/kubeproxydown` },
] as const;

export function stackHealthRules(input: AlertRuleInput): AlertRuleDefinition[] {
    const ns = input.namespace;
    const inNs = `namespace="${ns}"`;
    const volumeUsage = `100 * kubelet_volume_stats_available_bytes{${inNs}} / kubelet_volume_stats_capacity_bytes{${inNs}}`;

    const rules: AlertRuleDefinition[] = [
        // Each backend's own health, from its healthRules.ts.
        ...HEALTH_RULE_BACKENDS.flatMap((key) => {
            const backend = BACKENDS[key];
            return "healthRules" in backend ? backend.healthRules(ns) : [];
        }),
        {
            uid: "stack-volume-filling-up",
            title: "Persistent Volume Filling Up",
            expr: volumeUsage,
            comparison: "lt",
            threshold: 15,
            for: "15m",
            severity: "warning",
            team: PLATFORM_TEAM,
            summary: "Volume {{ $labels.persistentvolumeclaim }} is filling up",
            description:
                "Less than 15% of volume {{ $labels.persistentvolumeclaim }} in {{ $labels.namespace }} has been free for 15 minutes. Grow the volume or shorten retention before it fills.",
            runbookUrl: RUNBOOKS.volumeFillingUp,
            noDataState: "OK",
            execErrState: "Error",
        },
        {
            uid: "stack-volume-almost-full",
            title: "Persistent Volume Almost Full",
            expr: volumeUsage,
            comparison: "lt",
            threshold: 5,
            for: "5m",
            severity: "critical",
            team: PLATFORM_TEAM,
            summary: "Volume {{ $labels.persistentvolumeclaim }} is almost full",
            description: "Less than 5% of volume {{ $labels.persistentvolumeclaim }} in {{ $labels.namespace }} is free: writes will fail soon.",
            runbookUrl: RUNBOOKS.volumeFillingUp,
            noDataState: "OK",
            execErrState: "Error",
        },
    ];
    return input.managedControlPlane ? rules : [...rules, ...controlPlaneRules()];
}

/** One rule per control-plane job: its targets are missing, or none of them answers. */
function controlPlaneRules(): AlertRuleDefinition[] {
    return CONTROL_PLANE_JOBS.map(
        ({ job, title, runbook }): AlertRuleDefinition => ({
            uid: `stack-${job}-down`,
            title,
            // absent() of a comparison has no labels to copy: the title names the job.
            expr: `absent(up{job="${job}"} == 1)`,
            comparison: "gt",
            threshold: 0,
            for: "15m",
            severity: "critical",
            team: PLATFORM_TEAM,
            summary: `${job} has disappeared from Prometheus' targets`,
            description: `No ${job} target has answered Prometheus for 15 minutes. Without it pods are not scheduled, controllers stop or Services stop routing.`,
            runbookUrl: runbook,
            // A healthy job makes absent() return nothing.
            noDataState: "OK",
            execErrState: "Error",
        }),
    );
}

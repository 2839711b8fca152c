// Is the observability stack itself healthy? Scrapes, rule evaluation, Grafana, the volumes the stack
// writes to and (on self-managed clusters) the control plane, plus the telemetry pipeline of
// each backend's healthRules.ts; selected by the stack's namespace where it applies (metric names as the components
// export them; see also the "Observability Stack Health" dashboard).

import { BACKEND_KEYS, BACKENDS } from "../../backends";
import { PLATFORM_TEAM } from "../../vocabulary";
import { GRAFANA_RELEASE } from "../names";
import { eventCases } from "./eventRules";
import type { AlertRuleInput, TestedRule } from "./rules";
import { gauge, series } from "./syntheticSeries";

const K8S_RUNBOOKS = "https://runbooks.prometheus-operator.dev/runbooks";
const RUNBOOKS = {
    targetDown: `${K8S_RUNBOOKS}/general/targetdown`,
    ruleFailures: `${K8S_RUNBOOKS}/prometheus/prometheusrulefailures`,
    volumeFillingUp: `${K8S_RUNBOOKS}/kubernetes/kubepersistentvolumefillingup`,
    grafana: "https://grafana.com/docs/grafana/latest/troubleshooting/",
} as const;

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

export function stackHealthRules(input: AlertRuleInput): TestedRule[] {
    const ns = input.namespace;
    const inNs = `namespace="${ns}"`;
    const prometheusPod = { namespace: ns, pod: "prometheus-prometheus-0" };
    const volume = (namespace: string, claim: string) => ({ namespace, persistentvolumeclaim: claim });
    const volumeSeries = (labels: Record<string, string>, availablePercent: number, minutes: number) => [
        series("kubelet_volume_stats_capacity_bytes", labels, gauge([{ minutes, value: 10e9 }])),
        series("kubelet_volume_stats_available_bytes", labels, gauge([{ minutes, value: availablePercent * 1e8 }])),
    ];
    const volumeUsage = `100 * kubelet_volume_stats_available_bytes{${inNs}} / kubelet_volume_stats_capacity_bytes{${inNs}}`;
    const lokiVolume = volume(ns, "storage-loki-0");
    const appVolume = volume("shop", "data-postgres-0");
    // The chart's ServiceMonitor leaves the job to be the Service's name, the release name.
    const grafana = { namespace: ns, job: GRAFANA_RELEASE, instance: "10.0.0.5:3000", pod: "grafana-0" };

    const rules: TestedRule[] = [
        {
            rule: {
                uid: "stack-target-down",
                title: "Prometheus Target Down",
                // Every target, not only the stack's: a target that cannot be scraped is a blind spot.
                expr: "100 * (1 - avg by (namespace, job) (up))",
                comparison: "gt",
                threshold: 10,
                for: "10m",
                severity: "warning",
                team: PLATFORM_TEAM,
                summary: "Prometheus cannot scrape {{ $labels.job }} in {{ $labels.namespace }}",
                description:
                    "More than 10% of the {{ $labels.job }} targets in {{ $labels.namespace }} have failed their scrapes for 10 minutes: their metrics are missing and rules on them cannot fire.",
                runbookUrl: RUNBOOKS.targetDown,
                // Every scrape writes `up`: no series at all means Prometheus itself is not answering.
                noDataState: "Alerting",
                execErrState: "Error",
            },
            cases: [
                {
                    name: "one of two targets down",
                    series: [
                        series("up", { namespace: "shop", job: "checkout", instance: "a" }, gauge([{ minutes: 20, value: 1 }])),
                        series("up", { namespace: "shop", job: "checkout", instance: "b" }, gauge([{ minutes: 20, value: 0 }])),
                    ],
                    checks: [
                        { at: "5m", firing: [] },
                        { at: "15m", firing: [{ namespace: "shop", job: "checkout" }] },
                    ],
                },
                {
                    name: "one of twenty targets down",
                    series: Array.from({ length: 20 }, (_, index) =>
                        series("up", { namespace: "shop", job: "checkout", instance: `i${index}` }, gauge([{ minutes: 20, value: index === 0 ? 0 : 1 }])),
                    ),
                    checks: [{ at: "15m", firing: [] }],
                },
            ],
        },
        {
            rule: {
                uid: "stack-rule-failures",
                title: "Prometheus Rule Evaluation Failures",
                expr: `sum by (namespace, pod, rule_group) (increase(prometheus_rule_evaluation_failures_total{${inNs}}[5m]))`,
                comparison: "gt",
                threshold: 0,
                for: "15m",
                severity: "critical",
                team: PLATFORM_TEAM,
                summary: "Prometheus fails to evaluate rules of {{ $labels.rule_group }}",
                description:
                    "{{ $labels.pod }} has been failing to evaluate rules in {{ $labels.rule_group }} for 15 minutes. Recording rules the SLO alerts and dashboards read may be missing.",
                runbookUrl: RUNBOOKS.ruleFailures,
                noDataState: "OK",
                execErrState: "Error",
            },
            cases: eventCases(
                "prometheus_rule_evaluation_failures_total",
                { ...prometheusPod, rule_group: "slo.rules;slo" },
                [{ namespace: "other", pod: "prometheus-0", rule_group: "slo.rules;slo" }],
                15,
            ),
        },
        {
            rule: {
                uid: "stack-grafana-down",
                title: "Grafana Unreachable",
                // Grafana evaluates this rule itself, so it catches one replica (or its metrics endpoint)
                // failing while another still evaluates. A total Grafana outage silences every Grafana
                // rule, this one included: that needs a probe from outside Grafana (a blackbox check, or
                // kube-prometheus-stack's TargetDown through Alertmanager).
                expr: `up{${inNs}, job="${GRAFANA_RELEASE}"}`,
                comparison: "lt",
                threshold: 1,
                for: "5m",
                severity: "critical",
                team: PLATFORM_TEAM,
                summary: "Grafana pod {{ $labels.pod }} does not answer",
                description: "Prometheus has not been able to scrape Grafana pod {{ $labels.pod }} in {{ $labels.namespace }} for 5 minutes.",
                runbookUrl: RUNBOOKS.grafana,
                // No Grafana target at all: its ServiceMonitor or Service is gone.
                noDataState: "Alerting",
                execErrState: "Error",
            },
            cases: [
                {
                    name: "Grafana stops answering after 5 minutes",
                    series: [
                        series(
                            "up",
                            grafana,
                            gauge([
                                { minutes: 5, value: 1 },
                                { minutes: 15, value: 0 },
                            ]),
                        ),
                    ],
                    checks: [
                        { at: "9m", firing: [] },
                        { at: "10m", firing: [grafana] },
                    ],
                },
                {
                    name: "Grafana answers while another job is down",
                    series: [
                        series("up", grafana, gauge([{ minutes: 20, value: 1 }])),
                        series("up", { ...grafana, job: "loki", pod: "loki-0" }, gauge([{ minutes: 20, value: 0 }])),
                    ],
                    checks: [{ at: "15m", firing: [] }],
                },
            ],
        },
        // The telemetry pipeline's own health, from each backend's healthRules.ts.
        ...BACKEND_KEYS.flatMap((key) => {
            const backend = BACKENDS[key];
            return "healthRules" in backend ? backend.healthRules(ns) : [];
        }),
        {
            rule: {
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
            cases: [
                {
                    name: "10% free; an application volume nearly full is not the stack's",
                    series: [...volumeSeries(lokiVolume, 10, 30), ...volumeSeries(appVolume, 1, 30)],
                    checks: [
                        { at: "10m", firing: [] },
                        { at: "20m", firing: [lokiVolume] },
                    ],
                },
                { name: "half free", series: volumeSeries(lokiVolume, 50, 30), checks: [{ at: "30m", firing: [] }] },
            ],
        },
        {
            rule: {
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
            cases: [
                {
                    name: "2% free",
                    series: volumeSeries(lokiVolume, 2, 20),
                    checks: [
                        { at: "3m", firing: [] },
                        { at: "10m", firing: [lokiVolume] },
                    ],
                },
                { name: "10% free", series: volumeSeries(lokiVolume, 10, 20), checks: [{ at: "20m", firing: [] }] },
            ],
        },
    ];
    return input.managedControlPlane ? rules : [...rules, ...controlPlaneRules()];
}

/** One rule per control-plane job: its targets are missing, or none of them answers. */
function controlPlaneRules(): TestedRule[] {
    return CONTROL_PLANE_JOBS.map(
        ({ job, title, runbook }): TestedRule => ({
            rule: {
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
            },
            cases: [
                {
                    name: `${job} fails its scrapes`,
                    series: [series("up", { job, instance: "10.0.0.1:10259" }, gauge([{ minutes: 30, value: 0 }]))],
                    checks: [
                        { at: "10m", firing: [] },
                        { at: "20m", firing: [{}] },
                    ],
                },
                {
                    name: `${job} answers`,
                    series: [series("up", { job, instance: "10.0.0.1:10259" }, gauge([{ minutes: 30, value: 1 }]))],
                    checks: [{ at: "30m", firing: [] }],
                },
            ],
        }),
    );
}

// Pyroscope's health: profiles discarded at ingestion, and pods that are not ready (collected by the registry
// into the stack's health rules, components/grafana/alerting/stackRules.ts).

import type { AlertRuleDefinition } from "../grafana/alerting/rules";
import { PLATFORM_TEAM } from "../vocabulary";
import { PYROSCOPE_RELEASE } from "./names";

const RUNBOOKS = {
    discarded: "https://grafana.com/docs/pyroscope/latest/configure-server/about-tenant-ids/",
    notReady: "https://grafana.com/docs/pyroscope/latest/reference-pyroscope-architecture/",
} as const;

/** The release's pods: "pyroscope-0" (one process) and "pyroscope-<component>-…" (microservices). */
const PODS = `${PYROSCOPE_RELEASE}(-.+)?`;

export function pyroscopeHealthRules(ns: string): AlertRuleDefinition[] {
    const inNs = `namespace="${ns}"`;
    return [
        {
            uid: "stack-pyroscope-discarding",
            title: "Pyroscope Discarding Profiles",
            // pkg/validation/validate.go DiscardedProfiles: counted per tenant and reason (rate_limited,
            // invalid_labels, profile_size_limit, ...) although the metric says "samples".
            expr: `sum by (namespace, tenant, reason) (rate(pyroscope_discarded_samples_total{${inNs}}[5m]))`,
            comparison: "gt",
            threshold: 0,
            for: "15m",
            severity: "warning",
            team: PLATFORM_TEAM,
            summary: "Pyroscope discards profiles of tenant {{ $labels.tenant }} ({{ $labels.reason }})",
            description:
                "Pyroscope in {{ $labels.namespace }} has been discarding profiles for 15 minutes ({{ $labels.reason }}): flame graphs miss what was sent. Limits are Pyroscope's own; labels that fail validation come from the sender.",
            runbookUrl: RUNBOOKS.discarded,
            noDataState: "OK",
            execErrState: "Error",
        },
        {
            uid: "stack-pyroscope-not-ready",
            title: "Pyroscope Not Ready",
            // Pyroscope exports no readiness metric of its own; kube-state-metrics reports the kubelet's /ready probes.
            expr: `sum by (namespace, pod) (kube_pod_status_ready{${inNs}, pod=~"${PODS}", condition="false"})`,
            comparison: "gt",
            threshold: 0,
            for: "15m",
            severity: "critical",
            team: PLATFORM_TEAM,
            summary: "Pyroscope pod {{ $labels.pod }} is not ready",
            description:
                "{{ $labels.pod }} in {{ $labels.namespace }} has failed its readiness probe for 15 minutes: profiles it should receive, store or serve are refused or missing (a metastore out of its Raft quorum, a segment writer that cannot reach the bucket).",
            runbookUrl: RUNBOOKS.notReady,
            noDataState: "OK",
            execErrState: "Error",
        },
    ];
}

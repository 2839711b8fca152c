// Cases of Pyroscope's health rules (components/pyroscope/healthRules.ts).
import { eventCases, type RuleCases } from "./cases";
import { gauge, series } from "./syntheticSeries";

export const PYROSCOPE_CASES: RuleCases = {
    "stack-pyroscope-discarding": ({ namespace }) =>
        eventCases(
            "pyroscope_discarded_samples_total",
            { namespace, tenant: "anonymous", reason: "rate_limited" },
            [{ namespace: "other", tenant: "anonymous", reason: "rate_limited" }],
            15,
        ),
    // kube-state-metrics' kube_pod_status_ready: 1 on the series of the pod's current condition.
    "stack-pyroscope-not-ready": ({ namespace }) => {
        const metastore = { namespace, pod: "pyroscope-metastore-0" };
        const unready = (labels: Record<string, string>, value: number) =>
            series("kube_pod_status_ready", { ...labels, condition: "false" }, gauge([{ minutes: 30, value }]));
        return [
            {
                name: "a metastore stays unready",
                series: [unready(metastore, 1)],
                checks: [
                    { at: "14m", firing: [] },
                    { at: "20m", firing: [metastore] },
                ],
            },
            {
                name: "ready, or unready outside Pyroscope",
                series: [unready(metastore, 0), unready({ namespace, pod: "loki-0" }, 1), unready({ ...metastore, namespace: "other" }, 1)],
                checks: [{ at: "30m", firing: [] }],
            },
        ];
    },
};

// Cases of the stack's own rules beside the backends': its volumes and the control plane
// (components/grafana/alerting/stackRules.ts).
import type { RuleCase, RuleCases } from "./cases";
import { gauge, series } from "./syntheticSeries";

const volume = (namespace: string, claim: string) => ({ namespace, persistentvolumeclaim: claim });
const volumeSeries = (labels: Record<string, string>, availablePercent: number, minutes: number) => [
    series("kubelet_volume_stats_capacity_bytes", labels, gauge([{ minutes, value: 10e9 }])),
    series("kubelet_volume_stats_available_bytes", labels, gauge([{ minutes, value: availablePercent * 1e8 }])),
];
const appVolume = volume("shop", "data-postgres-0");

/** A control-plane job whose targets fail their scrapes, then one that answers. */
function controlPlaneCases(job: string): RuleCase[] {
    return [
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
    ];
}

export const STACK_CASES: RuleCases = {
    "stack-volume-filling-up": ({ namespace }) => {
        const lokiVolume = volume(namespace, "storage-loki-0");
        return [
            {
                name: "10% free; an application volume nearly full is not the stack's",
                series: [...volumeSeries(lokiVolume, 10, 30), ...volumeSeries(appVolume, 1, 30)],
                checks: [
                    { at: "10m", firing: [] },
                    { at: "20m", firing: [lokiVolume] },
                ],
            },
            { name: "half free", series: volumeSeries(lokiVolume, 50, 30), checks: [{ at: "30m", firing: [] }] },
        ];
    },
    "stack-volume-almost-full": ({ namespace }) => {
        const lokiVolume = volume(namespace, "storage-loki-0");
        return [
            {
                name: "2% free",
                series: volumeSeries(lokiVolume, 2, 20),
                checks: [
                    { at: "3m", firing: [] },
                    { at: "10m", firing: [lokiVolume] },
                ],
            },
            { name: "10% free", series: volumeSeries(lokiVolume, 10, 20), checks: [{ at: "20m", firing: [] }] },
        ];
    },
    "stack-kube-scheduler-down": () => controlPlaneCases("kube-scheduler"),
    "stack-kube-controller-manager-down": () => controlPlaneCases("kube-controller-manager"),
    "stack-kube-proxy-down": () => controlPlaneCases("kube-proxy"),
};

// The collector's section of the configuration (`observability:collector`): its schema and its value in each preset.
import { z } from "zod";
import { type BackendSettings, bool, k8sName, resources, section, size } from "../../stacks/fields";

export const collectorSettings = section({
    resources,
    /** Namespaces whose pods may send OTLP and push profiles to the collector. */
    applicationNamespaces: z.array(k8sName),
    /**
     * eBPF profiling of every container on every node (`pyroscope.ebpf`), without annotations or SDKs: a second
     * Alloy, a DaemonSet running privileged as root in the host's PID namespace, in its own namespace
     * `<namespace>-profiler` (docs/operations.md, "eBPF profiling"). `resources` are its pod's, on each node.
     */
    profiling: section({ ebpf: bool, resources }),
});
export type CollectorSettings = z.infer<typeof collectorSettings>;

// The profiler's budget per node: Alloy itself, the eBPF maps and the symbol caches; Alloy's documentation gives no figure.
const dev: z.input<typeof collectorSettings> = {
    resources: size("100m", "192Mi", "500m", "512Mi"),
    applicationNamespaces: ["default"],
    profiling: { ebpf: false, resources: size("100m", "256Mi", "1", "1Gi") },
};
const staging: z.input<typeof collectorSettings> = { ...dev, resources: size("150m", "256Mi", "1", "1Gi") };
const production: z.input<typeof collectorSettings> = {
    ...staging,
    resources: size("250m", "512Mi", "2", "2Gi"),
    profiling: { ebpf: false, resources: size("200m", "512Mi", "2", "2Gi") },
};

export const COLLECTOR_SETTINGS = {
    description:
        "Grafana Alloy's resources, the namespaces whose pods may send OTLP and push profiles to it, and `profiling`: eBPF profiling of every container (`ebpf`, off in every preset: a privileged DaemonSet per node, docs/operations.md) with its per-node `resources`.",
    schema: collectorSettings,
    presets: { dev, staging, production },
} satisfies BackendSettings<typeof collectorSettings>;

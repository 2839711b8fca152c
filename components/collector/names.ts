// The collector's release: the names and ports other parts of the stack use to reach it.
/** Helm release name; the chart names its Service after it ("alloy"). */
export const COLLECTOR_RELEASE = "alloy";
/** Alloy's own HTTP server (UI, /metrics, cluster gossip): the chart's `alloy.listenPort` default. */
export const ALLOY_HTTP_PORT = 12345;
/**
 * Where applications push profiles with a Pyroscope SDK (pyroscope.receive_http): the port the SDKs default to
 * (Pyroscope's own), and the one k8s-monitoring's profiles receiver listens on (feature-profiles-receiver values.yaml `port`).
 */
export const PROFILES_PUSH_PORT = 4040;
/**
 * The eBPF profiler's release (`collector.profiling.ebpf`): a second release of the alloy chart, whose objects and
 * pods the chart names after it.
 */
export const PROFILER_RELEASE = "alloy-profiler";
/** The profiler's namespace: host access needs the "privileged" Pod Security level, which nothing else of the collector gets. */
export function profilerNamespaceName(namespace: string): string {
    return `${namespace}-profiler`;
}

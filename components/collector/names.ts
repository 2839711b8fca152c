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

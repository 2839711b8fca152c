// The collector's release: the names and ports other parts of the stack use to reach it.
/** Helm release name; the chart names its Service after it ("alloy"). */
export const COLLECTOR_RELEASE = "alloy";
/** Alloy's own HTTP server (UI, /metrics, cluster gossip): the chart's `alloy.listenPort` default. */
export const ALLOY_HTTP_PORT = 12345;

// Grafana's release: the names and ports other parts of the stack use to reach it.
/** Helm release name; the chart names its Service after it. */
export const GRAFANA_RELEASE = "grafana";

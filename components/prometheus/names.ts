// kube-prometheus-stack's release: the names and ports other parts of the stack use to reach Prometheus and Alertmanager.
/** Helm release name of kube-prometheus-stack. */
export const PROMETHEUS_RELEASE = "prometheus";
/**
 * The chart names its objects `<fullname>-<part>` and truncates the fullname to 26 characters; left to
 * itself it would be "prometheus-kube-prometheus" (release + chart name, truncated). A fixed fullname
 * gives the Services "prometheus-prometheus" and "prometheus-alertmanager" (templates/prometheus/service.yaml,
 * templates/alertmanager/service.yaml).
 */
export const PROMETHEUS_FULLNAME = "prometheus";
export const PROMETHEUS_SERVICE = `${PROMETHEUS_FULLNAME}-prometheus`;
export const ALERTMANAGER_SERVICE = `${PROMETHEUS_FULLNAME}-alertmanager`;
/** The chart's defaults for `prometheus.service.port` and `alertmanager.service.port`. */
export const PROMETHEUS_PORT = 9090;
export const ALERTMANAGER_PORT = 9093;

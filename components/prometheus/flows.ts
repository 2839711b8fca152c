// The flows the pods of kube-prometheus-stack accept (components/flows.ts): Prometheus, Alertmanager, the
// operator and kube-state-metrics. The config reloaders and the operator reach Prometheus and Alertmanager
// over localhost or the API server, which no NetworkPolicy sees, so they need no rule of their own.
import { type BackendFlows, named, pods, SCRAPER, tcp, tcpAndUdp } from "../flows";
import { ALERTMANAGER_PORT, PROMETHEUS_FULLNAME, PROMETHEUS_PORT, PROMETHEUS_RELEASE } from "./names";

/** The operator's cluster port of every Alertmanager it runs (mesh gossip, TCP and UDP). */
const ALERTMANAGER_CLUSTER_PORT = 9094;
/** kube-prometheus-stack `prometheus.service.reloaderWebPort`: the config-reloader sidecar's metrics (Prometheus and Alertmanager pods). */
const CONFIG_RELOADER_PORT = 8080;
/**
 * kube-prometheus-stack `prometheusOperator.tls.internalPort`: the operator's only port, serving its metrics and,
 * because prometheus/Prometheus.ts leaves `admissionWebhooks.enabled` on and `admissionWebhooks.deployment.enabled` off, the
 * admission webhook the API server calls.
 */
const OPERATOR_HTTPS_PORT = 10250;
/** kube-state-metrics subchart `service.port`. */
const KUBE_STATE_METRICS_PORT = 8080;

export const PROMETHEUS_FLOWS: BackendFlows = {
    pods: {
        // The operator labels the pods of Prometheus "<fullname>" (cleanPrometheusOperatorObjectNames); kube-prometheus-stack
        // templates/prometheus/service.yaml selects them by these two labels.
        prometheus: { matchLabels: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": PROMETHEUS_FULLNAME } },
        // templates/alertmanager/service.yaml selects app.kubernetes.io/name=alertmanager, alertmanager=<crname> (the fullname).
        alertmanager: { matchLabels: { "app.kubernetes.io/name": "alertmanager", alertmanager: PROMETHEUS_FULLNAME } },
        // templates/prometheus-operator/deployment.yaml: selector app=<chart name>-operator, release=<release>.
        "prometheus-operator": { matchLabels: { app: "kube-prometheus-stack-operator", release: PROMETHEUS_RELEASE } },
        // kube-state-metrics subchart _helpers.tpl "kube-state-metrics.selectorLabels".
        "kube-state-metrics": { matchLabels: named("kube-state-metrics", PROMETHEUS_RELEASE) },
    },
    serves: (args) => [
        { to: "prometheus", from: pods("grafana"), ports: tcp(PROMETHEUS_PORT), why: "the Prometheus datasource" },
        {
            to: "prometheus",
            from: pods("tempo-metrics-generator", "tempo-single-binary"),
            ports: tcp(PROMETHEUS_PORT),
            why: "Tempo's metrics generator remote-writes span and service-graph metrics",
        },
        // The API server calls the webhook from outside the pod network; Prometheus scrapes the same port.
        { to: "prometheus-operator", from: [{ anywhere: true }], ports: tcp(OPERATOR_HTTPS_PORT), why: "the admission webhook" },
        { to: "prometheus", from: SCRAPER, ports: tcp(PROMETHEUS_PORT, CONFIG_RELOADER_PORT), why: "scraping itself and its replicas" },
        { to: "kube-state-metrics", from: SCRAPER, ports: tcp(KUBE_STATE_METRICS_PORT), why: "scraping" },
        ...(args.prometheusIngressEnabled
            ? [{ to: "prometheus", from: [{ namespaces: [args.ingressControllerNamespace] }], ports: tcp(PROMETHEUS_PORT), why: "the UI, through the ingress" }]
            : []),
        ...(args.alertmanagerEnabled
            ? [
                  {
                      to: "alertmanager",
                      from: pods("prometheus", "grafana"),
                      ports: tcp(ALERTMANAGER_PORT),
                      why: "alerts (Prometheus) and the Alertmanager datasource",
                  },
                  {
                      to: "alertmanager",
                      from: pods("alertmanager"),
                      ports: tcpAndUdp(ALERTMANAGER_CLUSTER_PORT),
                      why: "HA replicas gossip silences and notifications",
                  },
                  { to: "alertmanager", from: SCRAPER, ports: tcp(CONFIG_RELOADER_PORT), why: "scraping the config reloader" },
              ]
            : []),
    ],
};

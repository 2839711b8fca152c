// The flows Grafana's pods accept (components/flows.ts).
import { type BackendFlows, named, pods, SCRAPER, tcp, tcpAndUdp } from "../flows";
import { GRAFANA_RELEASE } from "./names";

/** grafana chart templates/_pod.tpl: containerPort 9094 (TCP and UDP) for unified-alerting gossip. */
const GRAFANA_GOSSIP_PORT = 9094;
/** grafana chart values `service.targetPort`: the HTTP port, also what the headless Service of HA replicas targets. */
const GRAFANA_HTTP_PORT = 3000;

export const GRAFANA_FLOWS: BackendFlows = {
    // grafana chart _helpers.tpl "grafana.selectorLabels" (name = .Chart.Name), on the Deployment's pod template.
    pods: { grafana: { matchLabels: named("grafana", GRAFANA_RELEASE) } },
    serves: (args) => [
        {
            to: "grafana",
            from: pods("grafana"),
            ports: [...tcpAndUdp(GRAFANA_GOSSIP_PORT), ...tcp(GRAFANA_HTTP_PORT)],
            why: "HA replicas gossip alert state, and find each other through the headless Service",
        },
        { to: "grafana", from: SCRAPER, ports: tcp(GRAFANA_HTTP_PORT), why: "scraping" },
        ...(args.grafanaIngressEnabled
            ? [
                  {
                      to: "grafana",
                      from: [{ namespaces: [args.ingressControllerNamespace] }],
                      ports: tcp(GRAFANA_HTTP_PORT),
                      why: "the UI and API, through the ingress",
                  },
              ]
            : []),
    ],
};

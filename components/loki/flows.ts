// The flows Loki's pods accept (components/flows.ts).
import { type BackendFlows, GATEWAY_PORT, GRPC_PORT, MEMBERLIST_PORT, MEMCACHED_PORT, named, pods, SCRAPER, tcp } from "../flows";
import { LOKI_HTTP_PORT, LOKI_RELEASE } from "./names";

/** loki's memcached-exporter sidecar. */
const MEMCACHED_EXPORTER_PORT = 9150;
/** loki gateway templates: the access-log exporter sidecar's http-metrics port. */
const LOKI_GATEWAY_EXPORTER_PORT = 4040;

export const LOKI_FLOWS: BackendFlows = {
    // loki chart "loki.selectorLabels" (name = .Chart.Name) is on every pod: components (_pod.tpl), gateway, memcached, canary.
    pods: { loki: { matchLabels: named("loki", LOKI_RELEASE) } },
    serves: () => [
        { to: "loki", from: pods("grafana", "alloy"), ports: tcp(LOKI_HTTP_PORT, GATEWAY_PORT), why: "queries (Grafana) and pushes (the collector)" },
        {
            to: "loki",
            from: pods("loki"),
            ports: tcp(LOKI_HTTP_PORT, GRPC_PORT, MEMBERLIST_PORT, MEMCACHED_PORT),
            why: "gateway to components, component to component, the ring and the caches",
        },
        {
            to: "loki",
            from: SCRAPER,
            ports: tcp(LOKI_HTTP_PORT, MEMCACHED_EXPORTER_PORT, LOKI_GATEWAY_EXPORTER_PORT),
            why: "scraping components, the caches' exporters and the gateway's (loki/Loki.ts turns the canary off)",
        },
    ],
};

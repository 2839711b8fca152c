// The flows Tempo's pods accept (components/flows.ts).
import { type BackendFlows, GATEWAY_PORT, GRPC_PORT, MEMBERLIST_PORT, MEMCACHED_PORT, named, pods, SCRAPER, tcp } from "../flows";
import { OTLP_GRPC_PORT, OTLP_HTTP_PORT } from "../vocabulary";
import { TEMPO_HTTP_PORT, TEMPO_RELEASE } from "./names";

export const TEMPO_FLOWS: BackendFlows = {
    pods: {
        // tempo chart "tempo.selectorLabels" (.Chart.Name "tempo"); tempo-distributed's helper defaults the name to "tempo" too.
        tempo: { matchLabels: named("tempo", TEMPO_RELEASE) },
        // tempo-distributed labels each component's pods app.kubernetes.io/component=<component>.
        "tempo-metrics-generator": { matchLabels: { ...named("tempo", TEMPO_RELEASE), "app.kubernetes.io/component": "metrics-generator" } },
        // The tempo chart's single binary carries no component label: it runs the metrics generator in-process.
        "tempo-single-binary": {
            matchLabels: named("tempo", TEMPO_RELEASE),
            matchExpressions: [{ key: "app.kubernetes.io/component", operator: "DoesNotExist" }],
        },
    },
    serves: () => [
        { to: "tempo", from: pods("grafana"), ports: tcp(TEMPO_HTTP_PORT, GATEWAY_PORT), why: "the Tempo datasource" },
        { to: "tempo", from: pods("alloy"), ports: tcp(OTLP_GRPC_PORT, OTLP_HTTP_PORT, GATEWAY_PORT), why: "traces from the collector" },
        {
            to: "tempo",
            from: pods("tempo"),
            ports: tcp(TEMPO_HTTP_PORT, GRPC_PORT, MEMBERLIST_PORT, MEMCACHED_PORT, OTLP_GRPC_PORT, OTLP_HTTP_PORT),
            why: "gateway to distributors, component to component, the ring and the cache",
        },
        // tempo/Tempo.ts runs the memcached cache without its exporter, so only Tempo itself has metrics.
        { to: "tempo", from: SCRAPER, ports: tcp(TEMPO_HTTP_PORT), why: "scraping" },
    ],
};

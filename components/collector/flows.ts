// The flows the collector's pods accept (components/flows.ts).
import { type BackendFlows, named, pods, SCRAPER, type Source, tcp } from "../flows";
import { OTLP_GRPC_PORT, OTLP_HTTP_PORT } from "../vocabulary";
import { ALLOY_HTTP_PORT, COLLECTOR_RELEASE, PROFILER_RELEASE, PROFILES_PUSH_PORT } from "./names";

export const COLLECTOR_FLOWS: BackendFlows = {
    // alloy chart _helpers.tpl "alloy.selectorLabels" (name = .Chart.Name).
    pods: { alloy: { matchLabels: named("alloy", COLLECTOR_RELEASE) } },
    serves: (args) => {
        const applications: Source[] = [
            { anyPodInNamespace: true },
            ...(args.applicationNamespaces.length > 0 ? [{ namespaces: args.applicationNamespaces }] : []),
        ];
        return [
            { to: "alloy", from: applications, ports: tcp(OTLP_GRPC_PORT, OTLP_HTTP_PORT), why: "OTLP from the applications" },
            { to: "alloy", from: applications, ports: tcp(PROFILES_PUSH_PORT), why: "profiles the applications push with a Pyroscope SDK" },
            { to: "alloy", from: pods("alloy"), ports: tcp(ALLOY_HTTP_PORT), why: "clustering: replicas split the pods to tail and to profile" },
            { to: "alloy", from: SCRAPER, ports: tcp(ALLOY_HTTP_PORT), why: "scraping" },
        ];
    },
};

/**
 * The eBPF profiler's pods (`collector.profiling.ebpf`), alone in their namespace (names.ts profilerNamespaceName):
 * alloy chart _helpers.tpl "alloy.selectorLabels" of its release. They accept no flow; they push to Pyroscope.
 */
export const PROFILER_POD_LABELS = named("alloy", PROFILER_RELEASE);

// The flows Pyroscope's pods accept (components/flows.ts).
import { type BackendFlows, GRPC_PORT, MEMBERLIST_PORT, named, pods, SCRAPER, tcp } from "../flows";
import { PYROSCOPE_HTTP_PORT, PYROSCOPE_RAFT_PORT, PYROSCOPE_RELEASE } from "./names";

export const PYROSCOPE_FLOWS: BackendFlows = {
    // The chart's "pyroscope.selectorLabels" (name "pyroscope", the release as instance) on every component's pods.
    pods: { pyroscope: { matchLabels: named("pyroscope", PYROSCOPE_RELEASE) } },
    serves: (args) => [
        ...(args.profiler
            ? [{ to: "pyroscope", from: [args.profiler], ports: tcp(PYROSCOPE_HTTP_PORT), why: "profiles from the eBPF profiler on every node" }]
            : []),
        { to: "pyroscope", from: pods("grafana"), ports: tcp(PYROSCOPE_HTTP_PORT), why: "the Pyroscope datasource" },
        // The collector pushes what it scrapes and receives, and scrapes Pyroscope's own profiles (the chart annotates its pods).
        { to: "pyroscope", from: pods("alloy"), ports: tcp(PYROSCOPE_HTTP_PORT), why: "profiles from the collector" },
        {
            to: "pyroscope",
            from: pods("pyroscope"),
            ports: tcp(PYROSCOPE_HTTP_PORT, GRPC_PORT, PYROSCOPE_RAFT_PORT, MEMBERLIST_PORT),
            why: "component to component, the metastores' Raft log and the memberlist ring",
        },
        { to: "pyroscope", from: SCRAPER, ports: tcp(PYROSCOPE_HTTP_PORT), why: "scraping" },
    ],
};

// Pyroscope's release: the names and ports other parts of the stack use to reach it.
/** Helm release name of the `pyroscope` chart; the chart names its objects "pyroscope[-<component>]" under it. */
export const PYROSCOPE_RELEASE = "pyroscope";
/** Port of every Pyroscope Service and container (`pyroscope.service.port`, flag -server.http-listen-port): pushes, queries, /metrics, /ready. */
export const PYROSCOPE_HTTP_PORT = 4040;
/** The v2 metastore's Raft port (the chart's `raft` container port, on the metastore and the single binary). */
export const PYROSCOPE_RAFT_PORT = 9099;

/** `monolithic`: one process with a volume; `microservices`: the v2 storage architecture on object storage. */
export const PYROSCOPE_MODES = ["monolithic", "microservices"] as const;
export type PyroscopeMode = (typeof PYROSCOPE_MODES)[number];

/**
 * The Services that answer queries and receive pushes: the chart's helpers "pyroscope.read_url" and
 * "pyroscope.write_url" (templates/_helpers.tpl) name the query-frontend and the distributor in microservices
 * mode, the single binary's Service otherwise.
 */
export function pyroscopeServices(mode: PyroscopeMode): { query: string; ingest: string } {
    return mode === "monolithic"
        ? { query: PYROSCOPE_RELEASE, ingest: PYROSCOPE_RELEASE }
        : { query: `${PYROSCOPE_RELEASE}-query-frontend`, ingest: `${PYROSCOPE_RELEASE}-distributor` };
}

/** In-cluster URLs of the query and push APIs (no path: Grafana and pyroscope.write append their own). */
export function pyroscopeUrls(namespace: string, mode: PyroscopeMode): { query: string; write: string } {
    const services = pyroscopeServices(mode);
    const url = (service: string) => `http://${service}.${namespace}.svc.cluster.local:${PYROSCOPE_HTTP_PORT}`;
    return { query: url(services.query), write: url(services.ingest) };
}

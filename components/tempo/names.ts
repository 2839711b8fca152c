// Tempo's release: the names and ports other parts of the stack use to reach it.
/** Helm release name. Both charts call their objects "tempo[-<component>]" under it (release contains the chart's name). */
export const TEMPO_RELEASE = "tempo";
/** Tempo's HTTP API (queries, /metrics): `tempo.server.http_listen_port` and the query-frontend Service's http-metrics port. */
export const TEMPO_HTTP_PORT = 3200;

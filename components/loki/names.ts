// Loki's release: the names and ports other parts of the stack use to reach it.
/** Helm release name of the `loki` chart. */
export const LOKI_RELEASE = "loki";
/**
 * The chart names the single binary's Service after its fullname and every other object `<fullname>-<part>`
 * (templates/_helpers.tpl "loki.fullname", "loki.resourceName"). A fixed fullname keeps the Services
 * "loki" and "loki-gateway" whatever the release is called.
 */
export const LOKI_FULLNAME = "loki";
/** Port of every Loki Service (templates/_service.tpl); the gateway's Service listens on `gateway.service.port`. */
export const LOKI_HTTP_PORT = 3100;

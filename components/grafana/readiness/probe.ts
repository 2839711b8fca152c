// One request to Grafana's health endpoint, classified by the first step that failed (DNS, TCP, TLS, HTTP).
// The dynamic provider (provider.ts) is serialized into the state and run by Pulumi's dynamic provider host,
// away from this program, with every function it calls and the module objects those live in: this module
// imports nothing at run time, exports functions only (TypeScript compiles a use of an exported constant to
// `exports.X`), and loads Node's built-in modules with `require` inside the functions.

/** The first step that is not ready. */
export type Stage = "dns" | "tcp" | "tls" | "http";

/** The outcome of one request to <url>/api/health. */
export interface Probe {
    ready: boolean;
    /** The first step that failed (unset when ready). */
    stage?: Stage;
    /** The steps that passed, as said in the message. */
    passed: string[];
    /** What failed, in a few words. */
    problem?: string;
    /** Error code (ENOTFOUND, ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT, ...) or `HTTP <status>`. */
    code?: string;
    /** The last error as Node reported it, or the start of the answer's body. */
    error?: string;
    status?: number;
    /** Grafana's version from /api/health (absent when Grafana hides it). */
    version?: string;
    /** What the server presented, on a TLS failure. */
    certificate?: string;
    /** Fix-up hint on a TLS failure, from the presented certificate. */
    certificateNote?: string;
}

/** One GET of `<url>/api/health`, classified by the first step that failed. Never throws. */
export async function probeGrafana(
    url: string,
    // `lookup` replaces the resolver (tests give a name several addresses, as a cloud load balancer's has).
    options: { ca?: string[]; requestTimeoutMs?: number; lookup?: import("net").LookupFunction } = {},
): Promise<Probe> {
    const http: typeof import("http") = require("http");
    const https: typeof import("https") = require("https");
    const net: typeof import("net") = require("net");
    const tls: typeof import("tls") = require("tls");

    let health: URL;
    try {
        health = healthUrlOf(url);
    } catch (error) {
        return { ready: false, stage: "dns", passed: [], problem: "the URL is not valid", code: "ERR_INVALID_URL", error: String((error as Error).message) };
    }
    const secure = health.protocol === "https:";
    const host = health.hostname.replace(/^\[|\]$/g, "");
    const port = Number(health.port || (secure ? 443 : 80));
    const timeoutMs = options.requestTimeoutMs ?? 10_000;
    // Trust what the Grafana provider trusts: Node's bundled roots, NODE_EXTRA_CA_CERTS, and the system's
    // store where this Node can read it (tls.getCACertificates, Node ≥ 22.15).
    let ca = options.ca;
    const getCACertificates = (tls as unknown as { getCACertificates?: (type: string) => string[] }).getCACertificates;
    if (!ca && secure && typeof getCACertificates === "function") {
        try {
            ca = [...new Set([...getCACertificates("default"), ...getCACertificates("system")])];
        } catch {
            ca = undefined;
        }
    }

    return new Promise<Probe>((resolve) => {
        const passed: string[] = [];
        let phase: "lookup" | "connect" | "handshake" | "answer" = net.isIP(host) ? "connect" : "lookup";
        let address: string | undefined;
        let settled = false;
        // Declared before the callbacks that use them (Pulumi's closure serializer needs no forward references).
        let timer: ReturnType<typeof setTimeout> | undefined;
        let request: import("http").ClientRequest | undefined;
        const finish = (probe: Probe) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            request?.destroy();
            resolve(probe);
        };
        const sent = (secure ? https : http).request(health, {
            method: "GET",
            agent: false,
            headers: { accept: "application/json", connection: "close", "user-agent": "observability-as-code readiness gate" },
            ...(secure && ca ? { ca } : {}),
            ...(options.lookup ? { lookup: options.lookup } : {}),
        });
        request = sent;
        timer = setTimeout(() => {
            const error = Object.assign(new Error(`no answer within ${Math.round(timeoutMs / 100) / 10}s`), { code: "ETIMEDOUT" });
            sent.destroy(error);
        }, timeoutMs);
        const resolvedTo = (ip: string) => {
            if (phase !== "lookup") return;
            address = ip;
            passed.push(`DNS ok (${host} → ${ip})`);
            phase = "connect";
        };
        sent.on("socket", (socket) => {
            // A name with one address emits "lookup"; with several, Node's happy eyeballs (autoSelectFamily) emits
            // only "connectionAttempt" for each address it tries: either means the name resolved.
            socket.on("lookup", (error: Error | null, resolved: string) => {
                if (!error) resolvedTo(resolved);
            });
            socket.on("connectionAttempt", (ip: string) => resolvedTo(ip));
            // The first attempt may start before these listeners exist; its failure is still reported.
            socket.on("connectionAttemptFailed", (ip: string) => resolvedTo(ip));
            socket.on("connect", () => {
                const remote = (socket as import("net").Socket).remoteAddress;
                if (remote) resolvedTo(remote);
                address = remote ?? address;
                passed.push(`TCP ok (${address}:${port})`);
                phase = secure ? "handshake" : "answer";
            });
            socket.on("secureConnect", () => {
                passed.push("TLS ok (trusted certificate for the host)");
                phase = "answer";
            });
        });
        sent.on("error", (raw: Error & { code?: string; errors?: Error[] }) => {
            const code = raw.code ?? "";
            const message = raw.message || (raw.errors ?? []).map((inner) => inner.message).join("; ") || code;
            const dnsCodes = ["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_NONAME", "ESERVFAIL", "ENODATA"];
            const connectCodes = ["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET", "EADDRNOTAVAIL"];
            if (dnsCodes.includes(code) || (phase === "lookup" && !connectCodes.includes(code))) {
                // Still in the lookup: the name does not resolve, or the resolver does not answer.
                const problem = dnsCodes.includes(code) ? `${host} does not resolve` : `the DNS lookup of ${host} did not finish`;
                finish({ ready: false, stage: "dns", passed, problem, code, error: message });
            } else if (phase === "handshake" || /CERT|SSL|TLS|UNABLE_TO|EPROTO|HOSTNAME/.test(code)) {
                if (phase !== "handshake" && address === undefined) {
                    passed.push(`TCP ok (${host}:${port})`);
                }
                describePeerCertificate(host, port, Math.min(timeoutMs, 5_000)).then((presented) => {
                    finish({
                        ready: false,
                        stage: "tls",
                        passed,
                        code,
                        error: message,
                        problem: tlsProblem(code, host, presented),
                        certificate: presented?.text,
                        certificateNote: presented?.note,
                    });
                });
            } else if (phase === "answer") {
                finish({ ready: false, stage: "http", passed, problem: "the connection was made but no HTTP answer came", code, error: message });
            } else {
                const what =
                    code === "ECONNREFUSED"
                        ? "refused the connection"
                        : code === "ETIMEDOUT"
                          ? "did not accept the connection in time"
                          : code === "EHOSTUNREACH" || code === "ENETUNREACH"
                            ? "is unreachable"
                            : "closed the connection";
                finish({ ready: false, stage: "tcp", passed, problem: `${address ?? host}:${port} ${what}`, code, error: message });
            }
        });
        sent.on("response", (response) => {
            const chunks: Buffer[] = [];
            let size = 0;
            response.on("data", (chunk: Buffer) => {
                size += chunk.length;
                if (size <= 65_536) chunks.push(chunk);
            });
            response.on("error", () => undefined);
            response.on("end", () => {
                const status = response.statusCode ?? 0;
                const body = Buffer.concat(chunks).toString("utf8");
                const snippet = body.replace(/\s+/g, " ").trim().slice(0, 160);
                let json: { database?: unknown; version?: unknown } | undefined;
                try {
                    const parsed = JSON.parse(body);
                    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) json = parsed;
                } catch {
                    json = undefined;
                }
                const base = { ready: false as const, stage: "http" as const, passed, status, code: `HTTP ${status}` };
                if (status === 200 && json && json.database === "ok") {
                    finish({ ready: true, passed, status, version: typeof json.version === "string" ? json.version : undefined });
                } else if (status === 503 && json && typeof json.database === "string") {
                    finish({ ...base, problem: `Grafana answers but reports database: ${JSON.stringify(json.database)}`, error: snippet });
                } else if (status === 200) {
                    const type = String(response.headers["content-type"] ?? "no content type");
                    finish({
                        ...base,
                        problem: `${health.pathname} answers 200, but not like Grafana (expected JSON with "database": "ok"; got ${type})`,
                        error: snippet,
                    });
                } else if (status >= 300 && status < 400) {
                    finish({
                        ...base,
                        problem: `${health.pathname} answers ${status}, redirecting to ${String(response.headers.location ?? "nowhere")}`,
                        error: snippet,
                    });
                } else {
                    finish({ ...base, problem: `${health.pathname} answers ${status}`, error: snippet });
                }
            });
        });
        sent.end();
    });
}

/** `<url>/api/health`, keeping a path prefix (Grafana served from a sub-path). */
function healthUrlOf(url: string): URL {
    const base = new URL(url);
    if (base.protocol !== "http:" && base.protocol !== "https:") throw new Error(`${base.protocol} is not http: or https:`);
    base.pathname = `${base.pathname.replace(/\/+$/, "")}/api/health`;
    base.search = "";
    base.hash = "";
    return base;
}

/** The URL as said in messages: never its user-info (a password would end up in the log). */
export function displayUrl(url: string): string {
    try {
        const parsed = new URL(url);
        return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, "")}`;
    } catch {
        return "(an invalid URL)";
    }
}

/** Subject, issuer, validity and names of the certificate the server presents, read without trusting it. */
function describePeerCertificate(host: string, port: number, timeoutMs: number): Promise<{ text: string; note?: string } | undefined> {
    const tls: typeof import("tls") = require("tls");
    const net: typeof import("net") = require("net");
    return new Promise((resolve) => {
        let done = false;
        let timer: ReturnType<typeof setTimeout> | undefined;
        let socket: import("tls").TLSSocket | undefined;
        const end = (value: { text: string; note?: string } | undefined) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            socket?.destroy();
            resolve(value);
        };
        const connection = tls.connect({ host, port, rejectUnauthorized: false, ...(net.isIP(host) ? {} : { servername: host }) }, () => {
            const certificate = connection.getPeerCertificate();
            if (!certificate || !certificate.subject) return end(undefined);
            const name = (part: unknown) => {
                const fields = part as Record<string, string | string[] | undefined>;
                const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
                return first(fields.CN) ?? first(fields.O) ?? "(no name)";
            };
            const subject = name(certificate.subject);
            const issuer = name(certificate.issuer);
            const names = certificate.subjectaltname || "no subject alternative names";
            const text = `subject "${subject}", issued by "${issuer}", valid ${certificate.valid_from} to ${certificate.valid_to}, for ${names}`;
            const note =
                subject === "Kubernetes Ingress Controller Fake Certificate"
                    ? "this is ingress-nginx's default certificate: the Ingress' TLS Secret does not exist yet, or does not hold a valid certificate for the host"
                    : /\(STAGING\)/.test(issuer)
                      ? "it is issued by Let's Encrypt's staging CA, which nobody trusts: use a production ACME issuer"
                      : undefined;
            end({ text, note });
        });
        socket = connection;
        connection.on("error", () => end(undefined));
        timer = setTimeout(() => end(undefined), timeoutMs);
    });
}

/** What is wrong with the certificate, from Node's verification error. */
function tlsProblem(code: string, host: string, presented: { text: string } | undefined): string {
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return `the certificate is not for ${host} (wrong host)`;
    if (code === "CERT_HAS_EXPIRED") return "the certificate has expired";
    if (code === "CERT_NOT_YET_VALID") return "the certificate is not valid yet";
    if (/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY|ISSUER/.test(code)) return "the certificate is not trusted (no trusted CA signed it)";
    return presented ? "the TLS handshake failed" : "the TLS handshake failed before a certificate was presented";
}

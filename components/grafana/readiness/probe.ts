// A readiness gate in front of the Grafana providers: on a first install the public host has no DNS record
// or certificate yet, and the provider would only fail with a transport error. The gate waits for Grafana's
// /api/health over the same URL the providers use, and when it gives up says which step is not ready.
//
// The dynamic provider below is serialized into the state and run by Pulumi's dynamic provider host, away
// from this program: the functions it uses must not refer to anything imported here, nor to an exported
// constant (TypeScript compiles those to `exports.X`, which would capture the whole module, @pulumi/pulumi
// with it). They load only Node's built-in modules, with `require` inside the function.
import * as pulumi from "@pulumi/pulumi";

/**
 * How long `pulumi up` waits for Grafana's endpoint before it fails with a diagnosis. A first install needs
 * the DNS record for the host (created by hand or by external-dns), then cert-manager's certificate
 * (HTTP-01 issuance typically takes 1-3 minutes once the name resolves), then Grafana's pods behind the ingress.
 */
export const READINESS_TIMEOUT_SECONDS = 15 * 60;

/** What the stack knows about the path to Grafana, named in the diagnosis. No secrets. */
export interface EndpointHints {
    /** `grafana.host`: a URL on this host goes through the ingress. */
    publicHost?: string;
    /** The stack's namespace (Grafana, its Ingress, the TLS Secret and cert-manager's Certificate). */
    namespace?: string;
    /** `ingress.className`. */
    ingressClassName?: string;
    /** `ingress.controllerNamespace`: where the ingress controller's Service (its external address) lives. */
    ingressControllerNamespace?: string;
    /** `ingress.clusterIssuer`: cert-manager issues the certificate into `tlsSecretName`. */
    clusterIssuer?: string;
    /** The Ingress' TLS Secret: `ingress.tlsSecretName`, or the one cert-manager writes. */
    tlsSecretName?: string;
    /** Whether `tlsSecretName` is an existing Secret named in the config (`ingress.tlsSecretName`). */
    tlsSecretConfigured?: boolean;
}

/** The gate's inputs: the URL the providers call, how long to wait, and the hints. */
export interface ReadinessCheck extends EndpointHints {
    /** Grafana's base URL, as the provider gets it (`grafana.apiUrl`, else https://<grafana.host>). */
    url: string;
    /** Give up after this many seconds. */
    timeoutSeconds: number;
}

/** Tuning of the wait, for tests; the defaults are what `pulumi up` uses. */
export interface WaitOptions {
    /** Trusted CA certificates (PEM) replacing the default ones: tests trust their own CA this way. */
    ca?: string[];
    /** Timeout of one request, ms (default 10 s). */
    requestTimeoutMs?: number;
    /** First pause between attempts, ms (default 2 s), doubled after each attempt up to `maxDelayMs` (default 20 s). */
    initialDelayMs?: number;
    maxDelayMs?: number;
}

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

/** The result of a successful wait. */
export interface Ready {
    url: string;
    version?: string;
    attempts: number;
    seconds: number;
}

/** Inputs of the gate resource. */
export interface GrafanaEndpointReadyArgs {
    url: pulumi.Input<string>;
    timeoutSeconds?: pulumi.Input<number>;
    publicHost?: pulumi.Input<string>;
    namespace?: pulumi.Input<string>;
    ingressClassName?: pulumi.Input<string>;
    ingressControllerNamespace?: pulumi.Input<string>;
    clusterIssuer?: pulumi.Input<string>;
    tlsSecretName?: pulumi.Input<string>;
    tlsSecretConfigured?: pulumi.Input<boolean>;
}

/**
 * Waits until `<url>/api/health` answers as Grafana does: HTTP 200 with a JSON body whose `database` is
 * "ok" (grafana/grafana pkg/api/http_server.go, `healthResponse` and `apiHealthHandler`; 503 with
 * "failing" when Grafana cannot reach its database), over trusted TLS for https. Retries with backoff
 * until `timeoutSeconds`, then throws the diagnosis of the last attempt.
 */
export async function waitForGrafana(check: ReadinessCheck, options: WaitOptions = {}): Promise<Ready> {
    const started = Date.now();
    const deadline = started + Math.max(0, Number(check.timeoutSeconds)) * 1000;
    const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    const maxDelayMs = options.maxDelayMs ?? 20_000;
    let delayMs = options.initialDelayMs ?? 2_000;
    let attempts = 0;
    for (;;) {
        attempts += 1;
        const remaining = deadline - Date.now();
        const probe = await probeGrafana(check.url, { ca: options.ca, requestTimeoutMs: Math.max(1_000, Math.min(requestTimeoutMs, remaining)) });
        const seconds = Math.round((Date.now() - started) / 1000);
        if (probe.ready) return { url: check.url, version: probe.version, attempts, seconds };
        if (Date.now() + delayMs >= deadline) throw new Error(explainNotReady(check, probe, attempts, seconds));
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        delayMs = Math.min(maxDelayMs, delayMs * 2);
    }
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
        try { ca = [...new Set([...getCACertificates("default"), ...getCACertificates("system")])]; } catch { ca = undefined; }
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
            socket.on("lookup", (error: Error | null, resolved: string) => { if (!error) resolvedTo(resolved); });
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
                        ready: false, stage: "tls", passed, code, error: message,
                        problem: tlsProblem(code, host, presented), certificate: presented?.text, certificateNote: presented?.note,
                    });
                });
            } else if (phase === "answer") {
                finish({ ready: false, stage: "http", passed, problem: "the connection was made but no HTTP answer came", code, error: message });
            } else {
                const what = code === "ECONNREFUSED" ? "refused the connection"
                    : code === "ETIMEDOUT" ? "did not accept the connection in time"
                        : code === "EHOSTUNREACH" || code === "ENETUNREACH" ? "is unreachable"
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
                } catch { json = undefined; }
                const base = { ready: false as const, stage: "http" as const, passed, status, code: `HTTP ${status}` };
                if (status === 200 && json && json.database === "ok") {
                    finish({ ready: true, passed, status, version: typeof json.version === "string" ? json.version : undefined });
                } else if (status === 503 && json && typeof json.database === "string") {
                    finish({ ...base, problem: `Grafana answers but reports database: ${JSON.stringify(json.database)}`, error: snippet });
                } else if (status === 200) {
                    const type = String(response.headers["content-type"] ?? "no content type");
                    finish({ ...base, problem: `${health.pathname} answers 200, but not like Grafana (expected JSON with "database": "ok"; got ${type})`, error: snippet });
                } else if (status >= 300 && status < 400) {
                    finish({ ...base, problem: `${health.pathname} answers ${status}, redirecting to ${String(response.headers.location ?? "nowhere")}`, error: snippet });
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
function displayUrl(url: string): string {
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
            const note = subject === "Kubernetes Ingress Controller Fake Certificate"
                ? "this is ingress-nginx's default certificate: the Ingress' TLS Secret does not exist yet, or does not hold a valid certificate for the host"
                : /\(STAGING\)/.test(issuer) ? "it is issued by Let's Encrypt's staging CA, which nobody trusts: use a production ACME issuer" : undefined;
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

/** The error of a gate that gave up: what is not ready, in order, what to do, and the last error. */
export function explainNotReady(check: ReadinessCheck, probe: Probe, attempts: number, seconds: number): string {
    const url = displayUrl(check.url);
    let host = "";
    let port = 0;
    try {
        const parsed = new URL(check.url);
        host = parsed.hostname.replace(/^\[|\]$/g, "").toLowerCase();
        port = Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80));
    } catch { host = ""; }
    const viaIngress = Boolean(check.publicHost) && host === String(check.publicHost).toLowerCase();
    const loopback = host === "localhost" || host === "::1" || /^127\./.test(host);
    const ns = check.namespace ?? "<namespace>";
    const controllerNs = check.ingressControllerNamespace ?? "<ingress controller namespace>";
    const secret = check.tlsSecretName ?? "<TLS secret>";
    const duration = (total: number) => (total >= 60 ? `${Math.floor(total / 60)}m${total % 60 ? `${total % 60}s` : ""}` : `${total}s`);
    const order: Stage[] = ["dns", "tcp", "tls", "http"];
    const labels: Record<Stage, string> = { dns: "DNS", tcp: "TCP", tls: "TLS", http: "HTTP" };
    const stage = probe.stage ?? "http";
    const notChecked = order.slice(order.indexOf(stage) + 1)
        .filter((later) => later !== "tls" || url.startsWith("https:"))
        .map((later) => `${labels[later]} not checked`);

    let fix: string;
    if (stage === "dns") {
        fix = viaIngress
            ? `Create a DNS record for ${host} pointing at the ingress controller's address (the EXTERNAL-IP of its Service: ` +
              `\`kubectl -n ${controllerNs} get service\`; \`kubectl -n ${ns} get ingress\` shows the address the Ingress got), or let external-dns create it.`
            : probe.code === "ERR_INVALID_URL" ? "Fix grafana.apiUrl (or grafana.host): it must be an http:// or https:// URL."
                : `Create a DNS record for ${host}, or fix grafana.apiUrl (it names a host that does not resolve from where \`pulumi up\` runs).`;
    } else if (stage === "tcp") {
        fix = loopback && !viaIngress
            ? `Nothing accepts connections on ${host}:${port}: is \`kubectl port-forward\` running? (\`npm run up:dev\` keeps one open; ` +
              `by hand: \`kubectl -n ${ns} port-forward svc/grafana ${port}:80\`, left running during \`pulumi up\`.)`
            : viaIngress
                ? `${host} resolves, but the address does not accept connections on port ${port}: point the DNS record for ${host} at the ingress ` +
                  `controller's external address (\`kubectl -n ${controllerNs} get service\`), and check that its load balancer and the firewalls let port ${port} through.`
                : `Check grafana.apiUrl and that something listens on ${host}:${port} and is reachable from where \`pulumi up\` runs.`;
    } else if (stage === "tls") {
        const presented = probe.certificate ? ` The server presents a certificate with ${probe.certificate}.` : "";
        const note = probe.certificateNote ? ` Note: ${probe.certificateNote}.` : "";
        if (viaIngress && check.clusterIssuer) {
            fix = `${presented}${note} cert-manager issues the certificate for ${host} from ClusterIssuer ${check.clusterIssuer} into Secret ${secret}: ` +
                `\`kubectl -n ${ns} describe certificate ${secret}\` (its events, and \`kubectl -n ${ns} get certificaterequests,orders,challenges\`, ` +
                `say why it is not issued yet; HTTP-01 needs the DNS record for ${host} first), and \`kubectl describe clusterissuer ${check.clusterIssuer}\`.`;
        } else if (viaIngress && check.tlsSecretConfigured) {
            fix = `${presented}${note} ingress.tlsSecretName (${secret}) is not a valid certificate for ${host}: it must be a kubernetes.io/tls Secret in ` +
                `namespace ${ns} whose certificate covers ${host}, is current, and chains to a CA trusted where \`pulumi up\` runs: ` +
                `\`kubectl -n ${ns} get secret ${secret} -o jsonpath='{.data.tls\\.crt}' | base64 -d | openssl x509 -noout -subject -issuer -dates -ext subjectAltName\`.`;
        } else {
            fix = `${presented}${note} Check the certificate served for ${host}:${port} (grafana.apiUrl); it must be for ${host}, current, and from a trusted CA.`;
        }
        fix = fix.trim();
    } else if (probe.status === 404) {
        fix = viaIngress
            ? `The ingress controller has no route for ${host}: check that the Grafana Ingress exists with ingressClassName ${check.ingressClassName ?? "<ingress.className>"} ` +
              `and host ${host} (\`kubectl -n ${ns} get ingress\`), and that this class is the controller that receives the traffic (\`kubectl get ingressclass\`; ingress.className).`
            : loopback
                ? `Something other than Grafana answers on ${host}:${port}: another process holds the port, or the port-forward goes to another service.`
                : `Something other than Grafana answers at ${url}: check grafana.apiUrl.`;
    } else if (probe.status === 502 || probe.status === 503 || probe.status === 504) {
        fix = probe.problem?.includes("reports database")
            ? `Grafana is up but cannot use its database (grafana.database): \`kubectl -n ${ns} logs deploy/grafana\`.`
            : viaIngress
                ? `The ingress routes ${host}, but Grafana's pods behind it are not ready or not reachable: \`kubectl -n ${ns} get pods -l app.kubernetes.io/name=grafana\`, ` +
                  `\`kubectl -n ${ns} describe pods -l app.kubernetes.io/name=grafana\`, \`kubectl -n ${ns} get endpoints grafana\`; and the NetworkPolicies must let ` +
                  `the ingress controller's namespace (${controllerNs}, ingress.controllerNamespace) reach Grafana.`
                : `Grafana's pods are not ready or not reachable: \`kubectl -n ${ns} get pods -l app.kubernetes.io/name=grafana\`.`;
    } else if (probe.status === 200) {
        fix = `Something else answers at ${url}: check grafana.apiUrl${viaIngress ? ` and the Ingress rules for ${host} (\`kubectl get ingress -A\`: another Ingress may claim the host)` : ""}.`;
    } else if (probe.status && probe.status >= 300 && probe.status < 400) {
        fix = "Grafana's /api/health never redirects: check the scheme of grafana.apiUrl (http:// where the ingress redirects to https://), or a proxy in front of Grafana.";
    } else if (probe.status) {
        fix = `Grafana's /api/health needs no login and answers 200 or 503: something in front of Grafana answers at ${url} (check grafana.apiUrl and proxies).`;
    } else {
        fix = viaIngress
            ? `The ingress controller accepted the connection but sent no answer: check its logs (\`kubectl -n ${controllerNs} logs deploy/<controller>\`).`
            : `Check grafana.apiUrl: something accepts connections on ${host}:${port} but does not answer HTTP.`;
    }

    const steps = [...probe.passed, `${labels[stage]} NOT READY: ${probe.problem ?? "no answer"}`, ...notChecked].join("; ");
    const last = [probe.code, probe.error].filter(Boolean).join(": ");
    return [
        `Grafana is not ready at ${url} (GET /api/health) after ${duration(seconds)} and ${attempts} attempt${attempts === 1 ? "" : "s"}, so the Grafana providers would fail; nothing called Grafana's API in this run.`,
        `Checked in order: ${steps}.`,
        `${labels[stage]}: ${fix}`,
        `Last error: ${last || "none reported"}`,
        `Once fixed, run \`pulumi up\` again: the Helm releases stay, and it waits again for up to ${duration(Math.round(Number(check.timeoutSeconds)))} (READINESS_TIMEOUT_SECONDS in components/grafana/readiness.ts).`,
    ].join("\n");
}

/** Outputs kept in the state: the inputs, and the version Grafana reported. */
async function checkedOutputs(inputs: ReadinessCheck & Record<string, unknown>): Promise<Record<string, unknown>> {
    const ready = await waitForGrafana(inputs);
    const outs: Record<string, unknown> = { ...inputs, grafanaVersion: ready.version ?? "" };
    delete outs.__provider;
    return outs;
}

/**
 * The dynamic provider: create and update wait (they run only in `pulumi up`, never in preview); a
 * change of URL or timeout waits again, other changes (the hints) do not; delete has nothing to do.
 */
export const grafanaEndpointProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: ReadinessCheck & Record<string, unknown>) {
        return { id: displayUrl(inputs.url), outs: await checkedOutputs(inputs) };
    },
    async update(_id: string, _olds: Record<string, unknown>, news: ReadinessCheck & Record<string, unknown>) {
        return { outs: await checkedOutputs(news) };
    },
    async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
        const changed = olds.url !== news.url || Number(olds.timeoutSeconds) !== Number(news.timeoutSeconds);
        return { changes: changed, replaces: [] };
    },
};

/**
 * Ready when Grafana answers its health check at `url`; the providers depend on it, so they call nothing
 * before. Created or updated in `pulumi up` only: preview plans it, mocks fake it.
 */
export class GrafanaEndpointReady extends pulumi.dynamic.Resource {
    // `declare`: the superclass sets the outputs; a class field (ES2022) would reset them to undefined.
    /** The URL, once Grafana answers there. */
    declare public readonly url: pulumi.Output<string>;
    /** Grafana's version as /api/health reported it (empty when Grafana hides it). */
    declare public readonly grafanaVersion: pulumi.Output<string>;

    constructor(name: string, args: GrafanaEndpointReadyArgs, opts?: pulumi.CustomResourceOptions) {
        super(grafanaEndpointProvider, name, {
            ...args, timeoutSeconds: args.timeoutSeconds ?? READINESS_TIMEOUT_SECONDS, grafanaVersion: undefined,
        }, opts, "grafana", "EndpointReady");
    }
}

// What the operator reads when the readiness gate gives up: which step is not ready, in order, and what to do.
// The dynamic provider (provider.ts) is serialized into the state and run by Pulumi's dynamic provider host,
// away from this program, with every function it calls and the module objects those live in: this module
// imports nothing at run time, exports functions only (TypeScript compiles a use of an exported constant to
// `exports.X`), and loads Node's built-in modules with `require` inside the functions.
import type { Probe, Stage } from "./probe";
import { displayUrl } from "./probe";

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

/** The error of a gate that gave up: what is not ready, in order, what to do, and the last error. */
export function explainNotReady(check: ReadinessCheck, probe: Probe, attempts: number, seconds: number): string {
    const url = displayUrl(check.url);
    let host = "";
    let port = 0;
    try {
        const parsed = new URL(check.url);
        host = parsed.hostname.replace(/^\[|\]$/g, "").toLowerCase();
        port = Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80));
    } catch {
        host = "";
    }
    const viaIngress = Boolean(check.publicHost) && host === String(check.publicHost).toLowerCase();
    const loopback = host === "localhost" || host === "::1" || /^127\./.test(host);
    const ns = check.namespace ?? "<namespace>";
    const controllerNs = check.ingressControllerNamespace ?? "<ingress controller namespace>";
    const secret = check.tlsSecretName ?? "<TLS secret>";
    const duration = (total: number) => (total >= 60 ? `${Math.floor(total / 60)}m${total % 60 ? `${total % 60}s` : ""}` : `${total}s`);
    const order: Stage[] = ["dns", "tcp", "tls", "http"];
    const labels: Record<Stage, string> = { dns: "DNS", tcp: "TCP", tls: "TLS", http: "HTTP" };
    const stage = probe.stage ?? "http";
    const notChecked = order
        .slice(order.indexOf(stage) + 1)
        .filter((later) => later !== "tls" || url.startsWith("https:"))
        .map((later) => `${labels[later]} not checked`);

    let fix: string;
    if (stage === "dns") {
        fix = viaIngress
            ? `Create a DNS record for ${host} pointing at the ingress controller's address (the EXTERNAL-IP of its Service: ` +
              `\`kubectl -n ${controllerNs} get service\`; \`kubectl -n ${ns} get ingress\` shows the address the Ingress got), or let external-dns create it.`
            : probe.code === "ERR_INVALID_URL"
              ? "Fix grafana.apiUrl (or grafana.host): it must be an http:// or https:// URL."
              : `Create a DNS record for ${host}, or fix grafana.apiUrl (it names a host that does not resolve from where \`pulumi up\` runs).`;
    } else if (stage === "tcp") {
        fix =
            loopback && !viaIngress
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
            fix =
                `${presented}${note} cert-manager issues the certificate for ${host} from ClusterIssuer ${check.clusterIssuer} into Secret ${secret}: ` +
                `\`kubectl -n ${ns} describe certificate ${secret}\` (its events, and \`kubectl -n ${ns} get certificaterequests,orders,challenges\`, ` +
                `say why it is not issued yet; HTTP-01 needs the DNS record for ${host} first), and \`kubectl describe clusterissuer ${check.clusterIssuer}\`.`;
        } else if (viaIngress && check.tlsSecretConfigured) {
            fix =
                `${presented}${note} ingress.tlsSecretName (${secret}) is not a valid certificate for ${host}: it must be a kubernetes.io/tls Secret in ` +
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
        fix =
            "Grafana's /api/health never redirects: check the scheme of grafana.apiUrl (http:// where the ingress redirects to https://), or a proxy in front of Grafana.";
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
        `Once fixed, run \`pulumi up\` again: the Helm releases stay, and it waits again for up to ${duration(Math.round(Number(check.timeoutSeconds)))} (READINESS_TIMEOUT_SECONDS in components/grafana/readiness/provider.ts).`,
    ].join("\n");
}

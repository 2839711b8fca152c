import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import type { StackConfig } from "../../stacks/schema";
import { grafanaTlsSecretName } from "./Grafana";
import { GrafanaEndpointReady, READINESS_TIMEOUT_SECONDS } from "./readiness";

export interface GrafanaAutomationArgs {
    /** URL the Grafana provider calls (public URL, or a `kubectl port-forward` in dev). */
    apiUrl: pulumi.Input<string>;
    /** Grafana's admin user, used once to create the automation service account. */
    adminUser: pulumi.Input<string>;
    /** The admin password (a secret). */
    adminPassword: pulumi.Input<string>;
    /** The Grafana Helm release: nothing calls the API before it is ready. */
    grafanaRelease: pulumi.Resource;
    /**
     * Where Grafana's public endpoint comes from, named when it does not answer: the stack's namespace,
     * `grafana.host` and the `ingress` settings. No secrets.
     */
    endpoint?: { namespace: string; host?: string; ingress?: StackConfig["ingress"] };
    /** How long `pulumi up` waits for Grafana to answer at `apiUrl` (default READINESS_TIMEOUT_SECONDS). */
    readinessTimeoutSeconds?: number;
}

/** Name of the service account (and its token) that owns everything the program creates in Grafana. */
export const AUTOMATION_ACCOUNT = "pulumi-automation";

/**
 * Retries of both providers, once the readiness gate (components/grafana/readiness/) has seen Grafana
 * answer at the URL: for a port-forward that reconnects or an ingress that reloads meanwhile, refused
 * connections are retried as well as 429 and 5xx answers (the client retries every transport error),
 * for up to `retries × retryWait` = 150 s.
 */
export const PROVIDER_RETRIES = { retries: 30, retryWait: 5, retryStatusCodes: ["429", "5xx"] } as const;

/**
 * The Grafana provider the rest of the program uses. A bootstrap provider logs in as admin, only to
 * create an Admin service account and its token; `provider` authenticates with that token, so the
 * admin password reaches no other provider or resource. Both wait for a readiness gate that waits, in
 * `pulumi up`, until Grafana answers at the URL (on a first install: the DNS record, the certificate
 * and the pods behind the ingress), and otherwise fails saying which of them is not ready.
 */
export class GrafanaAutomation extends pulumi.ComponentResource {
    /** Provider authenticated with the service-account token: pass it to every Grafana resource. */
    public readonly provider: grafana.Provider;
    /** The automation service account's id. */
    public readonly serviceAccountId: pulumi.Output<string>;
    /** The gate both providers wait for. */
    public readonly endpointReady: GrafanaEndpointReady;

    constructor(name: string, args: GrafanaAutomationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:grafana:Automation", name, {}, opts);
        const retries = { retries: PROVIDER_RETRIES.retries, retryWait: PROVIDER_RETRIES.retryWait, retryStatusCodes: [...PROVIDER_RETRIES.retryStatusCodes] };

        // The providers' URL is the gate's output: nothing calls Grafana before it has answered there.
        const { endpoint } = args;
        const host = endpoint?.host;
        this.endpointReady = new GrafanaEndpointReady(
            `${name}-endpoint-ready`,
            {
                // /api/health needs no login: credentials in the URL stay out of the gate's state.
                url: pulumi.output(args.apiUrl).apply(withoutCredentials),
                timeoutSeconds: args.readinessTimeoutSeconds ?? READINESS_TIMEOUT_SECONDS,
                publicHost: host,
                namespace: endpoint?.namespace,
                ingressClassName: host ? endpoint?.ingress?.className : undefined,
                ingressControllerNamespace: host ? endpoint?.ingress?.controllerNamespace : undefined,
                clusterIssuer: host ? endpoint?.ingress?.clusterIssuer : undefined,
                tlsSecretName: host && endpoint?.ingress ? grafanaTlsSecretName(endpoint.ingress) : undefined,
                tlsSecretConfigured: host ? Boolean(endpoint?.ingress?.tlsSecretName) : undefined,
            },
            { parent: this, dependsOn: [args.grafanaRelease] },
        );
        // The providers are configured only once the gate has seen Grafana answer. They take the URL itself, not
        // the gate's output: a URL unknown in preview would make every stack's preview show its providers changing.
        const afterGate = { parent: this, dependsOn: [args.grafanaRelease, this.endpointReady] };

        const bootstrap = new grafana.Provider(
            `${name}-bootstrap`,
            {
                url: args.apiUrl,
                auth: pulumi.secret(pulumi.interpolate`${args.adminUser}:${args.adminPassword}`),
                ...retries,
            },
            afterGate,
        );
        const asAdmin = { parent: this, provider: bootstrap };

        const account = new grafana.oss.ServiceAccount(
            `${name}-service-account`,
            {
                name: AUTOMATION_ACCOUNT,
                role: "Admin",
                isDisabled: false,
            },
            asAdmin,
        );
        const token = new grafana.oss.ServiceAccountToken(
            `${name}-token`,
            {
                name: AUTOMATION_ACCOUNT,
                serviceAccountId: account.id,
            },
            asAdmin,
        );

        this.provider = new grafana.Provider(
            `${name}-provider`,
            {
                url: args.apiUrl,
                auth: pulumi.secret(token.key),
                ...retries,
            },
            afterGate,
        );
        this.serviceAccountId = account.id;

        this.registerOutputs({ serviceAccountId: this.serviceAccountId });
    }
}

/** The URL without user-info (`https://user:pass@host` → `https://host`); unchanged when it has none. */
export function withoutCredentials(url: string): string {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        return url;
    }
    if (!parsed.username && !parsed.password) return url;
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
}

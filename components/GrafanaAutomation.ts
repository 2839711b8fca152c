import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";

export interface GrafanaAutomationArgs {
    /** URL the Grafana provider calls (public URL, or a `kubectl port-forward` in dev). */
    apiUrl: pulumi.Input<string>;
    /** Grafana's admin user, used once to create the automation service account. */
    adminUser: pulumi.Input<string>;
    /** The admin password (a secret). */
    adminPassword: pulumi.Input<string>;
    /** The Grafana Helm release: nothing calls the API before it is ready. */
    grafanaRelease: pulumi.Resource;
}

/** Name of the service account (and its token) that owns everything the program creates in Grafana. */
export const AUTOMATION_ACCOUNT = "pulumi-automation";

/**
 * Retries of both providers. The release is atomic, so Grafana is ready when it completes, but in dev
 * the API sits behind a `kubectl port-forward` that may connect after that: refused connections are
 * retried as well as 429 and 5xx answers (the client retries every transport error), for up to
 * `retries × retryWait` = 150 s.
 */
export const PROVIDER_RETRIES = { retries: 30, retryWait: 5, retryStatusCodes: ["429", "5xx"] } as const;

/**
 * The Grafana provider the rest of the program uses. A bootstrap provider logs in as admin, only to
 * create an Admin service account and its token; `provider` authenticates with that token, so the
 * admin password reaches no other provider or resource.
 */
export class GrafanaAutomation extends pulumi.ComponentResource {
    /** Provider authenticated with the service-account token: pass it to every Grafana resource. */
    public readonly provider: grafana.Provider;
    /** The automation service account's id. */
    public readonly serviceAccountId: pulumi.Output<string>;

    constructor(name: string, args: GrafanaAutomationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:grafana:Automation", name, {}, opts);
        const retries = { retries: PROVIDER_RETRIES.retries, retryWait: PROVIDER_RETRIES.retryWait, retryStatusCodes: [...PROVIDER_RETRIES.retryStatusCodes] };

        const bootstrap = new grafana.Provider(`${name}-bootstrap`, {
            url: args.apiUrl,
            auth: pulumi.secret(pulumi.interpolate`${args.adminUser}:${args.adminPassword}`),
            ...retries,
        }, { parent: this, dependsOn: [args.grafanaRelease] });
        const asAdmin = { parent: this, provider: bootstrap };

        const account = new grafana.oss.ServiceAccount(`${name}-service-account`, {
            name: AUTOMATION_ACCOUNT,
            role: "Admin",
            isDisabled: false,
        }, asAdmin);
        const token = new grafana.oss.ServiceAccountToken(`${name}-token`, {
            name: AUTOMATION_ACCOUNT,
            serviceAccountId: account.id,
        }, asAdmin);

        this.provider = new grafana.Provider(`${name}-provider`, {
            url: args.apiUrl,
            auth: pulumi.secret(token.key),
            ...retries,
        }, { parent: this });
        this.serviceAccountId = account.id;

        this.registerOutputs({ serviceAccountId: this.serviceAccountId });
    }
}

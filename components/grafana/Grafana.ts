import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { StackConfig } from "../../stacks/schema";
import { chartRelease } from "../helm";
import { GRAFANA_RELEASE } from "./names";

export interface GrafanaArgs {
    /** Namespace to install into (created by the ObservabilityStack). */
    namespace: pulumi.Input<string>;
    /** The stack's validated `grafana` settings. */
    settings: StackConfig["grafana"];
    /** Ingress class and cert-manager issuer, used when `settings.host` is set. */
    ingress: StackConfig["ingress"];
    /** StorageClass of the persistent volume; unset uses the cluster default. */
    storageClass?: string;
    /** Password of `settings.database` (required with a database). */
    databasePassword?: pulumi.Output<string>;
    /** Password of `settings.smtp` (required with SMTP). */
    smtpPassword?: pulumi.Output<string>;
}

const ADMIN_SECRET = "grafana-admin";
const DATABASE_SECRET = "grafana-database";
const SMTP_SECRET = "grafana-smtp";
/** Grafana's unified-alerting gossip port, for HA alert state between replicas. */
const GOSSIP_PORT = 9094;

/**
 * Grafana from the `grafana` chart: admin credentials generated once and kept in a Secret, persistence
 * or an external PostgreSQL for HA, ingress with TLS when a host is configured.
 */
export class Grafana extends pulumi.ComponentResource {
    /** In-cluster URL of the Grafana service. */
    public readonly internalUrl: pulumi.Output<string>;
    /** Public URL (https) when a host is configured. */
    public readonly externalUrl: pulumi.Output<string | undefined>;
    /** The URL people use: external when exposed, else in-cluster. */
    public readonly url: pulumi.Output<string>;
    /** URL the Grafana provider calls: `settings.apiUrl`, else the public URL, else in-cluster. */
    public readonly apiUrl: pulumi.Output<string>;
    public readonly adminUser: pulumi.Output<string>;
    /** Generated admin password (a Pulumi secret, stable in state). */
    public readonly adminPassword: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:stack:Grafana", name, {}, opts);
        const { settings, namespace } = args;
        const child = { parent: this };

        const password = new random.RandomPassword(
            `${name}-admin-password`,
            {
                length: 32,
                special: true,
                overrideSpecial: "-_.~",
            },
            child,
        );
        const adminSecret = new k8s.core.v1.Secret(
            `${name}-admin`,
            {
                metadata: { name: ADMIN_SECRET, namespace },
                type: "Opaque",
                stringData: { "admin-user": settings.adminUser, "admin-password": password.result },
            },
            child,
        );
        const secretDependencies: pulumi.Resource[] = [adminSecret];
        if (settings.database) {
            if (!args.databasePassword) throw new Error("Grafana: settings.database is set but databasePassword is missing");
            // Grafana reads GF_<SECTION>_<KEY> over grafana.ini, so the password never enters the values.
            secretDependencies.push(
                new k8s.core.v1.Secret(
                    `${name}-database`,
                    {
                        metadata: { name: DATABASE_SECRET, namespace },
                        type: "Opaque",
                        stringData: { GF_DATABASE_PASSWORD: args.databasePassword },
                    },
                    child,
                ),
            );
        }
        if (settings.smtp) {
            if (!args.smtpPassword) throw new Error("Grafana: settings.smtp is set but smtpPassword is missing");
            secretDependencies.push(
                new k8s.core.v1.Secret(
                    `${name}-smtp`,
                    {
                        metadata: { name: SMTP_SECRET, namespace },
                        type: "Opaque",
                        stringData: { user: settings.smtp.user, password: args.smtpPassword },
                    },
                    child,
                ),
            );
        }

        this.release = chartRelease(
            `${name}-release`,
            {
                chart: "grafana",
                releaseName: GRAFANA_RELEASE,
                namespace,
                values: pulumi.output(namespace).apply((ns) => grafanaValues(ns, args)),
            },
            { parent: this, dependsOn: secretDependencies },
        );

        this.internalUrl = pulumi.interpolate`http://${GRAFANA_RELEASE}.${namespace}.svc.cluster.local`;
        this.externalUrl = pulumi.output(settings.host ? `https://${settings.host}` : undefined);
        this.url = pulumi.all([this.externalUrl, this.internalUrl]).apply(([external, internal]) => external ?? internal);
        this.apiUrl = pulumi.all([this.url]).apply(([url]) => settings.apiUrl ?? url);
        this.adminUser = pulumi.output(settings.adminUser);
        this.adminPassword = pulumi.secret(password.result);

        this.registerOutputs({
            internalUrl: this.internalUrl,
            externalUrl: this.externalUrl,
            url: this.url,
            apiUrl: this.apiUrl,
            adminUser: this.adminUser,
            adminPassword: this.adminPassword,
        });
    }
}

/** The chart values: secrets only by reference (existing Secrets), never inline. */
export function grafanaValues(namespace: string, args: GrafanaArgs): Record<string, unknown> {
    const { settings, ingress, storageClass } = args;
    const ha = settings.replicas > 1 || settings.autoscaling.enabled;
    const rootUrl = settings.host ? `https://${settings.host}` : `http://${GRAFANA_RELEASE}.${namespace}.svc.cluster.local`;
    const selector = { matchLabels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": GRAFANA_RELEASE } };

    const ini: Record<string, Record<string, unknown>> = {
        server: { root_url: rootUrl },
        analytics: { reporting_enabled: false, check_for_updates: false },
        "auth.anonymous": { enabled: false },
        users: { allow_sign_up: false },
        security: {
            cookie_secure: Boolean(settings.host),
            allow_embedding: false,
            disable_gravatar: true,
        },
    };
    if (settings.database) {
        const { host, name, user, sslMode } = settings.database;
        ini.database = { type: "postgres", host, name, user, ssl_mode: sslMode };
    }
    if (settings.smtp) {
        // Credentials only over TLS, and the same rule as Alertmanager's email receiver (smtp_require_tls).
        ini.smtp = { enabled: true, host: settings.smtp.host, from_address: settings.smtp.fromAddress, startTLS_policy: "MandatoryStartTLS" };
    }
    if (ha) {
        // Replicas gossip alert state so a notification goes out once, not once per replica.
        ini.unified_alerting = {
            ha_peers: `${GRAFANA_RELEASE}-headless.${namespace}.svc.cluster.local:${GOSSIP_PORT}`,
            ha_listen_address: `\${POD_IP}:${GOSSIP_PORT}`,
            ha_advertise_address: `\${POD_IP}:${GOSSIP_PORT}`,
        };
    }

    return {
        replicas: settings.replicas,
        headlessService: ha,
        admin: { existingSecret: ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
        "grafana.ini": ini,
        envFromSecrets: settings.database ? [{ name: DATABASE_SECRET }] : [],
        smtp: settings.smtp ? { existingSecret: SMTP_SECRET, userKey: "user", passwordKey: "password" } : { existingSecret: "" },
        resources: settings.resources,
        persistence: {
            enabled: settings.persistence.enabled,
            size: settings.persistence.size,
            // Helm leaves the claim behind on uninstall: dashboards saved in the UI, plugins and (without
            // an external database) Grafana's SQLite survive a reinstall.
            annotations: { "helm.sh/resource-policy": "keep" },
            ...(storageClass ? { storageClassName: storageClass } : {}),
        },
        // The chown init container runs only with persistence; it gets the smallest sensible budget.
        initChownData: {
            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
        },
        ingress: settings.host
            ? {
                  enabled: true,
                  ingressClassName: ingress.className,
                  annotations: ingress.clusterIssuer ? { "cert-manager.io/cluster-issuer": ingress.clusterIssuer } : {},
                  hosts: [settings.host],
                  path: "/",
                  pathType: "Prefix",
                  // cert-manager writes this Secret from the issuer, or it is the existing one named in the config.
                  tls: [{ secretName: grafanaTlsSecretName(ingress), hosts: [settings.host] }],
              }
            : { enabled: false },
        autoscaling: {
            enabled: settings.autoscaling.enabled,
            minReplicas: settings.replicas,
            maxReplicas: settings.autoscaling.maxReplicas,
            targetCPU: String(settings.autoscaling.targetCpuPercent),
            targetMemory: String(settings.autoscaling.targetMemoryPercent),
        },
        podDisruptionBudget: ha ? { minAvailable: 1 } : {},
        affinity: ha
            ? {
                  podAntiAffinity: {
                      preferredDuringSchedulingIgnoredDuringExecution: [
                          { weight: 100, podAffinityTerm: { labelSelector: selector, topologyKey: "kubernetes.io/hostname" } },
                      ],
                  },
              }
            : {},
        topologySpreadConstraints: ha
            ? [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: selector }]
            : [],
        serviceMonitor: { enabled: true },
        // The chart's test pod has no resource limits and is not needed to prove the release works.
        testFramework: { enabled: false },
    };
}

/** The Grafana Ingress' TLS Secret: the existing one named in the config, else the one cert-manager writes from the issuer. */
export function grafanaTlsSecretName(ingress: StackConfig["ingress"]): string {
    return ingress.tlsSecretName ?? `${GRAFANA_RELEASE}-tls`;
}

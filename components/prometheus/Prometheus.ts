import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { scrapesControlPlane } from "../../stacks/cluster";
import type { Resources, StackConfig } from "../../stacks/schema";
import { durationSeconds } from "../../stacks/units";
import { chartRelease } from "../helm";
import { ALERTMANAGER_NOTIFIER_SECRET, alertmanagerConfig, NOTIFIER_SECRET_KEYS, type NotifierSecretKey, notifierSecretKeys } from "./alertmanagerConfig";
import { ALERTMANAGER_PORT, ALERTMANAGER_SERVICE, PROMETHEUS_FULLNAME, PROMETHEUS_PORT, PROMETHEUS_RELEASE, PROMETHEUS_SERVICE } from "./names";

export interface PrometheusArgs {
    /** Namespace to install into (created by the ObservabilityStack). */
    namespace: pulumi.Input<string>;
    /** The stack's validated `prometheus` settings (Prometheus, operator, exporters, Alertmanager). */
    settings: StackConfig["prometheus"];
    /** Whether the control plane is managed (not scraped) and the StorageClass of the volumes. */
    cluster: StackConfig["cluster"];
    /** Ingress class and cert-manager issuer, used when `settings.host` is set. */
    ingress: StackConfig["ingress"];
    /**
     * Namespace of node-exporter. It reads the host's /proc, /sys and network (hostPID, hostNetwork,
     * hostPath), which Pod Security Admission only allows at "privileged"; a namespace of its own keeps
     * the stack's namespace at "baseline".
     */
    nodeExporterNamespace: pulumi.Input<string>;
    /** Where alerts go: Alertmanager gets the same contact points and tree as Grafana (alertmanagerConfig.ts). */
    alerting: StackConfig["alerting"];
    /** Grafana's SMTP relay, which Alertmanager's email receiver uses too. */
    smtp?: NonNullable<StackConfig["grafana"]["smtp"]>;
    /** The notifiers' credentials (secrets), required for each notifier enabled in `alerting`. */
    notifierSecrets: Partial<Record<NotifierSecretKey, pulumi.Input<string>>>;
}

/** Headless Service the operator creates for every Prometheus it runs; it gives each pod a DNS name. */
const OPERATOR_GOVERNING_SERVICE = "prometheus-operated";

/** Small fixed budgets for the containers the settings do not size: sidecars and hook jobs. */
const CONFIG_RELOADER_RESOURCES: Resources = { requests: { cpu: "10m", memory: "24Mi" }, limits: { cpu: "100m", memory: "64Mi" } };
const WEBHOOK_CERT_JOB_RESOURCES: Resources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } };
/** kubectl holds every CRD of the operator (several MB of OpenAPI schema) while it applies them. */
const CRD_UPGRADE_JOB_RESOURCES: Resources = { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } };
/**
 * The job's kubectl image tag defaults to the cluster's version string, which on EKS/GKE carries a vendor
 * suffix ("v1.33.4-eks-9f2e1a") that registry.k8s.io/kubectl has no image for. Server-side apply of CRDs
 * needs no particular kubectl minor, so a fixed release works on every cluster.
 */
export const CRD_UPGRADE_KUBECTL_TAG = "v1.34.0";

/**
 * Prometheus from `kube-prometheus-stack`: the operator, node-exporter, kube-state-metrics, the
 * Alertmanager that delivers the chart's alerts (configured like Grafana's policy), and every ServiceMonitor/PodMonitor/PrometheusRule/Probe in the cluster. No Grafana: ours
 * is installed separately and configured through its API.
 */
export class Prometheus extends pulumi.ComponentResource {
    /** In-cluster URL of the Prometheus Service. */
    public readonly internalUrl: pulumi.Output<string>;
    /** Public URL (https) when a host is configured. */
    public readonly externalUrl: pulumi.Output<string | undefined>;
    /** The URL people use: external when exposed, else in-cluster. */
    public readonly url: pulumi.Output<string>;
    /** Remote-write receiver behind the Service (Tempo's metrics generator writes here). */
    public readonly remoteWriteUrl: pulumi.Output<string>;
    /**
     * The remote-write receiver of each replica. Behind the Service every write reaches only one replica of
     * an HA pair; a writer that wants both replicas to hold its series writes to each of these.
     */
    public readonly remoteWriteUrls: pulumi.Output<string[]>;
    /** In-cluster Alertmanager URL when Alertmanager is enabled. */
    public readonly alertmanagerUrl: pulumi.Output<string | undefined>;
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:stack:Prometheus", name, {}, opts);
        const { settings, namespace } = args;

        // Alertmanager reads each credential from a file of this Secret (alertmanagerSpec.secrets); the
        // configuration in the chart's values holds none. It must exist before the operator starts the pods.
        const secretKeys = settings.alertmanager.enabled ? notifierSecretKeys(args.alerting, args.smtp) : [];
        const notifierSecret =
            secretKeys.length === 0
                ? undefined
                : new k8s.core.v1.Secret(
                      `${name}-alertmanager-notifiers`,
                      {
                          metadata: { name: ALERTMANAGER_NOTIFIER_SECRET, namespace },
                          type: "Opaque",
                          stringData: Object.fromEntries(
                              secretKeys.map((key) => {
                                  const value = args.notifierSecrets[key];
                                  if (value === undefined)
                                      throw new Error(`Alertmanager needs the secret ${key}; run: pulumi config set --secret ${key} <value>`);
                                  return [NOTIFIER_SECRET_KEYS[key], pulumi.secret(value)];
                              }),
                          ),
                      },
                      { parent: this },
                  );

        this.release = chartRelease(
            `${name}-release`,
            {
                chart: "kubePrometheusStack",
                releaseName: PROMETHEUS_RELEASE,
                namespace,
                values: pulumi
                    .all([namespace, args.nodeExporterNamespace])
                    .apply(([ns, nodeExporterNs]) => prometheusValues({ ...args, namespace: ns, nodeExporterNamespace: nodeExporterNs })),
            },
            { parent: this, dependsOn: notifierSecret ? [notifierSecret] : [] },
        );

        this.internalUrl = pulumi.interpolate`http://${PROMETHEUS_SERVICE}.${namespace}.svc.cluster.local:${PROMETHEUS_PORT}`;
        this.externalUrl = pulumi.output(settings.host ? `https://${settings.host}` : undefined);
        this.url = pulumi.all([this.externalUrl, this.internalUrl]).apply(([external, internal]) => external ?? internal);
        this.remoteWriteUrl = pulumi.interpolate`${this.internalUrl}/api/v1/write`;
        this.remoteWriteUrls = pulumi.output(namespace).apply((ns) => replicaRemoteWriteUrls(ns, settings.replicas));
        this.alertmanagerUrl = settings.alertmanager.enabled
            ? pulumi.interpolate`http://${ALERTMANAGER_SERVICE}.${namespace}.svc.cluster.local:${ALERTMANAGER_PORT}`
            : pulumi.output(undefined);

        this.registerOutputs({
            internalUrl: this.internalUrl,
            externalUrl: this.externalUrl,
            url: this.url,
            remoteWriteUrl: this.remoteWriteUrl,
            remoteWriteUrls: this.remoteWriteUrls,
            alertmanagerUrl: this.alertmanagerUrl,
        });
    }
}

/**
 * Per-pod URLs: the operator names the StatefulSet `prometheus-<Prometheus name>` (with clean names the
 * Prometheus is named after the fullname) under its governing Service, as the chart's own per-replica
 * datasources do (templates/grafana/configmaps-datasources.yaml).
 */
export function replicaRemoteWriteUrls(namespace: string, replicas: number): string[] {
    return Array.from(
        { length: replicas },
        (_, ordinal) =>
            `http://prometheus-${PROMETHEUS_FULLNAME}-${ordinal}.${OPERATOR_GOVERNING_SERVICE}.${namespace}.svc.cluster.local:${PROMETHEUS_PORT}/api/v1/write`,
    );
}

/**
 * The operator's Duration type only accepts units in descending order ("1h30m", not "30m1h"); days are
 * the largest unit it takes that never changes length.
 */
export function operatorDuration(value: string): string {
    let remainingMs = Math.round(durationSeconds(value) * 1000);
    const units: Array<[string, number]> = [
        ["d", 86_400_000],
        ["h", 3_600_000],
        ["m", 60_000],
        ["s", 1000],
        ["ms", 1],
    ];
    let text = "";
    for (const [unit, size] of units) {
        const amount = Math.floor(remainingMs / size);
        if (amount > 0) text += `${amount}${unit}`;
        remainingMs -= amount * size;
    }
    return text;
}

/** The TSDB outlives its StatefulSet: an uninstall, or scaling down, never deletes the volumes. */
const KEEP_VOLUMES = { whenDeleted: "Retain", whenScaled: "Retain" } as const;

function volumeClaim(size: string, storageClass: string | undefined) {
    return {
        volumeClaimTemplate: {
            spec: {
                ...(storageClass ? { storageClassName: storageClass } : {}),
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: size } },
            },
        },
    };
}

/** The chart values; every key is a real key of kube-prometheus-stack or its subcharts (tests check it). */
export function prometheusValues(
    args: Omit<PrometheusArgs, "notifierSecrets"> & { namespace: string; nodeExporterNamespace: string },
): Record<string, unknown> {
    const { settings, cluster, ingress } = args;
    const ha = settings.replicas > 1;
    const alertmanager = settings.alertmanager;
    // Only where their metrics listen on node addresses (stacks/cluster.ts says why not elsewhere): a target that
    // cannot be reached is down from the first minute and its alert fires on a fresh cluster.
    const scrapeControlPlane = scrapesControlPlane(cluster);

    return {
        fullnameOverride: PROMETHEUS_FULLNAME,
        // Clean names (StatefulSet "prometheus-prometheus", not "prometheus-prometheus-prometheus") change
        // the volume names, so this may only be set on a first install, which this program does.
        cleanPrometheusOperatorObjectNames: true,
        crds: {
            enabled: true,
            // Helm installs crds/ once and never upgrades it; this pre-upgrade hook applies the CRDs of the
            // pinned chart version so a version bump cannot leave the operator running against stale CRDs.
            upgradeJob: {
                enabled: true,
                resources: CRD_UPGRADE_JOB_RESOURCES,
                image: { kubectl: { tag: CRD_UPGRADE_KUBECTL_TAG } },
            },
        },
        // Our Grafana is a separate release configured through its API: no bundled Grafana, and none of the
        // dashboard/datasource ConfigMaps that only a Grafana sidecar would read.
        grafana: {
            enabled: false,
            defaultDashboardsEnabled: false,
            forceDeployDashboards: false,
            forceDeployDatasources: false,
            sidecar: { dashboards: { enabled: false }, datasources: { enabled: false } },
        },
        windowsMonitoring: { enabled: false },
        thanosRuler: { enabled: false },
        kubeControllerManager: { enabled: scrapeControlPlane },
        kubeScheduler: { enabled: scrapeControlPlane },
        kubeEtcd: { enabled: scrapeControlPlane },
        kubeProxy: { enabled: scrapeControlPlane },
        defaultRules: {
            create: true,
            rules: {
                etcd: scrapeControlPlane,
                kubeControllerManager: scrapeControlPlane,
                kubeSchedulerAlerting: scrapeControlPlane,
                kubeSchedulerRecording: scrapeControlPlane,
                kubeProxy: scrapeControlPlane,
                alertmanager: alertmanager.enabled,
                windows: false,
            },
        },
        prometheusOperator: {
            resources: settings.operatorResources,
            // The operator adds this sidecar (and init container) to every Prometheus and Alertmanager pod.
            prometheusConfigReloader: { resources: CONFIG_RELOADER_RESOURCES },
            admissionWebhooks: {
                deployment: { enabled: false },
                patch: { resources: WEBHOOK_CERT_JOB_RESOURCES },
            },
        },
        "kube-state-metrics": { resources: settings.kubeStateMetricsResources, kubeRBACProxy: { enabled: false } },
        nodeExporter: { enabled: true, forceDeployDashboards: false },
        "prometheus-node-exporter": {
            namespaceOverride: args.nodeExporterNamespace,
            resources: settings.nodeExporterResources,
            kubeRBACProxy: { enabled: false },
        },
        alertmanager: alertmanager.enabled
            ? {
                  enabled: true,
                  forceDeployDashboards: false,
                  config: alertmanagerConfig(args.alerting, args.smtp),
                  podDisruptionBudget: { enabled: alertmanager.replicas > 1, minAvailable: 1 },
                  alertmanagerSpec: {
                      replicas: alertmanager.replicas,
                      resources: alertmanager.resources,
                      storage: volumeClaim(alertmanager.storageSize, cluster.storageClass),
                      podAntiAffinity: alertmanager.replicas > 1 ? "hard" : "soft",
                      persistentVolumeClaimRetentionPolicy: KEEP_VOLUMES,
                      ...(notifierSecretKeys(args.alerting, args.smtp).length > 0 ? { secrets: [ALERTMANAGER_NOTIFIER_SECRET] } : {}),
                  },
              }
            : { enabled: false, forceDeployDashboards: false },
        prometheus: {
            enabled: true,
            // Prometheus has no login of its own: whoever reaches this host can query every series and
            // write through the remote-write receiver; put the ingress controller's auth in front of it.
            ingress: settings.host
                ? {
                      enabled: true,
                      ingressClassName: ingress.className,
                      annotations: ingress.clusterIssuer ? { "cert-manager.io/cluster-issuer": ingress.clusterIssuer } : {},
                      hosts: [settings.host],
                      paths: ["/"],
                      pathType: "Prefix",
                      tls: [{ secretName: ingress.tlsSecretName ?? `${PROMETHEUS_FULLNAME}-tls`, hosts: [settings.host] }],
                  }
                : { enabled: false },
            podDisruptionBudget: { enabled: ha, minAvailable: 1 },
            prometheusSpec: {
                replicas: settings.replicas,
                // An HA pair on one node fails together; "hard" keeps the two replicas on different nodes.
                podAntiAffinity: ha ? "hard" : "soft",
                resources: settings.resources,
                retention: operatorDuration(settings.retention),
                retentionSize: settings.retentionSize,
                storageSpec: volumeClaim(settings.storageSize, cluster.storageClass),
                persistentVolumeClaimRetentionPolicy: KEEP_VOLUMES,
                scrapeInterval: operatorDuration(settings.scrapeInterval),
                evaluationInterval: operatorDuration(settings.evaluationInterval),
                // Exemplars link a latency bucket to the trace that produced it (Grafana → Tempo).
                enableFeatures: ["exemplar-storage"],
                // Tempo's metrics generator writes service-graph and span metrics here.
                enableRemoteWriteReceiver: true,
                ...(settings.host ? { externalUrl: `https://${settings.host}` } : {}),
                // Without these the chart only selects objects labelled with its own release name.
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
            },
        },
    };
}

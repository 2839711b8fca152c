import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackSecrets } from "../stacks/config";
import type { StackConfig } from "../stacks/schema";
import { checkStorageClass, type StorageClassLister } from "../stacks/storageClasses";
import { Collector } from "./collector/Collector";
import { PROFILER_POD_LABELS } from "./collector/flows";
import { profilerNamespaceName } from "./collector/names";
import type { Fingerprints } from "./grafana/alerting/contactPointFingerprints";
import { alertRuleInput } from "./grafana/alerting/rules";
import { Grafana } from "./grafana/Grafana";
import { GrafanaAlerting } from "./grafana/GrafanaAlerting";
import { GrafanaAutomation } from "./grafana/GrafanaAutomation";
import { GrafanaContent } from "./grafana/GrafanaContent";
import { LOKI_STACK_TENANT, Loki } from "./loki/Loki";
import { mirrorTransformation } from "./mirrors";
import { NetworkPolicies } from "./NetworkPolicies";
import { namespaceLabels } from "./namespaces";
import { Prometheus } from "./prometheus/Prometheus";
import { Pyroscope } from "./pyroscope/Pyroscope";
import { Tempo } from "./tempo/Tempo";

export interface ObservabilityStackArgs {
    /** The validated stack configuration (stacks/config.ts). */
    config: StackConfig;
    /** Secret config values, as Pulumi secrets. */
    secrets: StackSecrets;
    /** Lists the cluster's StorageClasses, to refuse a `cluster.storageClass` it lacks (index.ts: the cluster's). */
    storageClasses?: StorageClassLister;
}

/** Local ports `kubectl port-forward` uses in dev, one per UI. */
const LOCAL_PORTS = { grafana: 3000, prometheus: 9090, alertmanager: 9093, loki: 3100, tempo: 3200, pyroscope: 4040 } as const;

/**
 * The whole stack: a namespace, the six Helm releases wired to each other, then Grafana configured
 * through its API (datasources, folders, dashboards, alerting).
 */
export class ObservabilityStack extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly grafanaUrl: pulumi.Output<string>;
    public readonly prometheusUrl: pulumi.Output<string>;
    public readonly lokiUrl: pulumi.Output<string>;
    public readonly tempoUrl: pulumi.Output<string>;
    public readonly pyroscopeUrl: pulumi.Output<string>;
    public readonly alertmanagerUrl: pulumi.Output<string | undefined>;
    /** Where applications send OTLP over gRPC (host:port of the collector). */
    public readonly otlpGrpcEndpoint: pulumi.Output<string>;
    /** Where applications send OTLP over HTTP (URL of the collector). */
    public readonly otlpHttpEndpoint: pulumi.Output<string>;
    /** Where Pyroscope SDKs push profiles (the collector's pyroscope.receive_http). */
    public readonly profilesPushUrl: pulumi.Output<string>;
    public readonly grafanaAdminUser: pulumi.Output<string>;
    public readonly grafanaAdminPassword: pulumi.Output<string>;
    /** `kubectl port-forward` commands to reach each UI from a laptop (useful in dev, which has no ingress). */
    public readonly portForwardCommands: pulumi.Output<Record<string, string>>;
    public readonly datasourceUids: pulumi.Output<Record<string, string>>;
    public readonly folderUids: pulumi.Output<Record<string, string>>;
    public readonly dashboardUrls: pulumi.Output<Record<string, string>>;
    /** Secret bookkeeping the next deployment reads back (GrafanaAlerting.contactPointFingerprints). */
    public readonly contactPointFingerprints: pulumi.Output<Fingerprints>;
    public readonly components: {
        prometheus: Prometheus;
        loki: Loki;
        tempo: Tempo;
        pyroscope: Pyroscope;
        collector: Collector;
        grafana: Grafana;
        automation: GrafanaAutomation;
        content: GrafanaContent;
        alerting: GrafanaAlerting;
        networkPolicies: NetworkPolicies;
    };

    constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:stack:ObservabilityStack", name, {}, stackOptions(args.config, opts));
        const { config, secrets } = args;
        const storageClass = config.cluster.storageClass;

        // Nothing is registered until the cluster is known to have cluster.storageClass (stacks/storageClasses.ts).
        const storageClassChecked = {
            dependsOn: pulumi.output(
                args.storageClasses ? checkStorageClass(pulumi.getProject(), storageClass, args.storageClasses).then((): pulumi.Resource[] => []) : [],
            ),
        };
        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: { name: config.namespace, labels: namespaceLabels("baseline") },
                // Deleting a namespace deletes its claims: `pulumi destroy` leaves it, with the claims README promises
                // (Helm keeps them), in the cluster; `kubectl delete namespace` removes them on purpose.
            },
            { parent: this, protect: config.protectData, retainOnDelete: true, ...storageClassChecked },
        );
        const nodeExporterNamespace = new k8s.core.v1.Namespace(
            `${name}-node-exporter-namespace`,
            {
                metadata: { name: nodeExporterNamespaceName(config.namespace), labels: namespaceLabels("privileged") },
            },
            { parent: this, ...storageClassChecked },
        );
        const namespaceName = namespace.metadata.name;
        // Children of a protected component inherit `protect`: the releases, their Secrets, the password.
        const holdsData = { protect: config.protectData };
        const inNamespace = { parent: this, dependsOn: [namespace, nodeExporterNamespace], ...holdsData };

        // kube-prometheus-stack brings the CRDs (ServiceMonitor, PrometheusRule) the other charts use.
        const prometheus = new Prometheus(
            `${name}-prometheus`,
            {
                namespace: namespaceName,
                settings: config.prometheus,
                cluster: config.cluster,
                ingress: config.ingress,
                nodeExporterNamespace: nodeExporterNamespace.metadata.name,
                alerting: config.alerting,
                smtp: config.grafana.smtp,
                notifierSecrets: {
                    slackToken: secrets.slackToken,
                    pagerdutyIntegrationKey: secrets.pagerdutyIntegrationKey,
                    smtpPassword: secrets.smtpPassword,
                },
            },
            inNamespace,
        );
        const afterCrds = { parent: this, dependsOn: [namespace, prometheus.release] };
        const lokiTenant = config.loki.multiTenant ? LOKI_STACK_TENANT : undefined;

        const loki = new Loki(
            `${name}-loki`,
            {
                namespace: namespaceName,
                settings: config.loki,
                objectStorage: config.objectStorage,
                storageClass,
            },
            { ...afterCrds, ...holdsData },
        );
        const tempo = new Tempo(
            `${name}-tempo`,
            {
                namespace: namespaceName,
                settings: config.tempo,
                objectStorage: config.objectStorage,
                storageClass,
                prometheusRemoteWriteUrls: prometheus.remoteWriteUrls,
            },
            { ...afterCrds, ...holdsData },
        );
        const pyroscope = new Pyroscope(
            `${name}-pyroscope`,
            { namespace: namespaceName, settings: config.pyroscope, objectStorage: config.objectStorage, storageClass },
            { ...afterCrds, ...holdsData },
        );
        const collector = new Collector(
            `${name}-collector`,
            {
                namespace: namespaceName,
                settings: config.collector,
                lokiPushUrl: loki.pushUrl,
                tempoOtlpGrpcEndpoint: tempo.otlpGrpcEndpoint,
                lokiTenantId: lokiTenant,
                pyroscopeWriteUrl: pyroscope.writeUrl,
            },
            afterCrds,
        );
        const grafana = new Grafana(
            `${name}-grafana`,
            {
                namespace: namespaceName,
                settings: config.grafana,
                ingress: config.ingress,
                storageClass,
                databasePassword: secrets.grafanaDatabasePassword,
                smtpPassword: secrets.smtpPassword,
            },
            { ...afterCrds, ...holdsData },
        );

        // Default-deny ingress, then only the flows the stack needs (components/NetworkPolicies.ts).
        const networkPolicies = new NetworkPolicies(
            `${name}-network-policies`,
            {
                namespace: namespaceName,
                ingressControllerNamespace: config.ingress.controllerNamespace,
                // The namespaces of the declared services send OTLP too: users list only the others.
                applicationNamespaces: [...new Set([...config.services.map((service) => service.namespace), ...config.collector.applicationNamespaces])],
                alertmanagerEnabled: config.prometheus.alertmanager.enabled,
                grafanaIngressEnabled: Boolean(config.grafana.host),
                prometheusIngressEnabled: Boolean(config.prometheus.host),
                ...(config.collector.profiling.ebpf
                    ? { profiler: { namespace: profilerNamespaceName(config.namespace), podLabels: PROFILER_POD_LABELS } }
                    : {}),
            },
            { parent: this, dependsOn: [namespace] },
        );

        const automation = new GrafanaAutomation(
            `${name}-grafana-automation`,
            {
                apiUrl: grafana.apiUrl,
                adminUser: grafana.adminUser,
                adminPassword: grafana.adminPassword,
                grafanaRelease: grafana.release,
                endpoint: { namespace: config.namespace, host: config.grafana.host, ingress: config.ingress },
            },
            { parent: this },
        );
        const viaGrafanaApi = { parent: this, providers: [automation.provider] };
        const content = new GrafanaContent(
            `${name}-grafana-content`,
            {
                grafanaUrl: grafana.url,
                datasources: {
                    prometheusUrl: prometheus.internalUrl,
                    lokiUrl: loki.internalUrl,
                    tempoUrl: tempo.internalUrl,
                    pyroscopeUrl: pyroscope.internalUrl,
                    alertmanagerUrl: prometheus.alertmanagerUrl,
                    alertmanagerEnabled: config.prometheus.alertmanager.enabled,
                    scrapeInterval: config.prometheus.scrapeInterval,
                    lokiTenantId: lokiTenant,
                },
                namespace: config.namespace,
                services: config.services,
            },
            viaGrafanaApi,
        );
        const alerting = new GrafanaAlerting(
            `${name}-grafana-alerting`,
            {
                settings: config.alerting,
                services: config.services,
                namespace: config.namespace,
                managedControlPlane: alertRuleInput(config).managedControlPlane,
                slackToken: secrets.slackToken,
                pagerdutyIntegrationKey: secrets.pagerdutyIntegrationKey,
                alertsFolderUid: content.folderUids.alerts,
                slosFolderUid: content.folderUids.slos,
            },
            { ...viaGrafanaApi, dependsOn: [prometheus.release] },
        );

        this.components = { prometheus, loki, tempo, pyroscope, collector, grafana, automation, content, alerting, networkPolicies };
        this.namespace = namespaceName;
        this.grafanaUrl = grafana.url;
        this.prometheusUrl = prometheus.url;
        this.lokiUrl = loki.url;
        this.tempoUrl = tempo.url;
        this.pyroscopeUrl = pyroscope.url;
        this.alertmanagerUrl = prometheus.alertmanagerUrl;
        this.otlpGrpcEndpoint = collector.otlpGrpcEndpoint;
        this.otlpHttpEndpoint = collector.otlpHttpEndpoint;
        this.profilesPushUrl = collector.profilesPushUrl;
        this.grafanaAdminUser = grafana.adminUser;
        this.grafanaAdminPassword = grafana.adminPassword;
        this.portForwardCommands = pulumi
            .all({
                grafana: grafana.internalUrl,
                prometheus: prometheus.internalUrl,
                alertmanager: prometheus.alertmanagerUrl,
                loki: loki.internalUrl,
                tempo: tempo.internalUrl,
                pyroscope: pyroscope.internalUrl,
            })
            .apply((urls) => portForwardCommands(urls));
        this.datasourceUids = pulumi.output(content.datasourceUids);
        this.folderUids = pulumi.all(content.folderUids).apply((uids): Record<string, string> => ({ ...uids }));
        this.dashboardUrls = content.dashboardUrls;
        this.contactPointFingerprints = alerting.contactPointFingerprints;

        this.registerOutputs({
            namespace: this.namespace,
            grafanaUrl: this.grafanaUrl,
            prometheusUrl: this.prometheusUrl,
            lokiUrl: this.lokiUrl,
            tempoUrl: this.tempoUrl,
            pyroscopeUrl: this.pyroscopeUrl,
            alertmanagerUrl: this.alertmanagerUrl,
            otlpGrpcEndpoint: this.otlpGrpcEndpoint,
            otlpHttpEndpoint: this.otlpHttpEndpoint,
            profilesPushUrl: this.profilesPushUrl,
            grafanaAdminUser: this.grafanaAdminUser,
            grafanaAdminPassword: this.grafanaAdminPassword,
            portForwardCommands: this.portForwardCommands,
            datasourceUids: this.datasourceUids,
            folderUids: this.folderUids,
            dashboardUrls: this.dashboardUrls,
            contactPointFingerprints: this.contactPointFingerprints,
        });
    }
}

/**
 * With `protectData`, every resource of the stack is protected, not only those holding data: a `pulumi destroy`
 * then deletes nothing (no NetworkPolicy, rule, contact point or dashboard goes before the releases fail), and
 * removing one object on purpose takes `pulumi state unprotect <urn>` first ("Data safety" in docs/operations.md). The mirrors
 * (`charts.repository`, `images.registry`) apply to every Helm release.
 */
function stackOptions(config: StackConfig, opts?: pulumi.ComponentResourceOptions): pulumi.ComponentResourceOptions {
    const mirror = mirrorTransformation({ chartRepository: config.charts?.repository, imageRegistry: config.images?.registry });
    return { ...opts, protect: opts?.protect ?? config.protectData, transformations: [...(opts?.transformations ?? []), ...(mirror ? [mirror] : [])] };
}

/** node-exporter's namespace: host access needs the "privileged" Pod Security level, nothing else does. */
export function nodeExporterNamespaceName(namespace: string): string {
    return `${namespace}-node-exporter`;
}

/** `kubectl port-forward` for each in-cluster URL ("http://svc.ns.svc.cluster.local:port"). */
export function portForwardCommands(urls: Record<keyof typeof LOCAL_PORTS, string | undefined>): Record<string, string> {
    const commands: Record<string, string> = {};
    for (const [ui, url] of Object.entries(urls)) {
        if (!url) continue;
        const { hostname, port, protocol } = new URL(url);
        const [service, namespace] = hostname.split(".");
        const remotePort = port || (protocol === "https:" ? "443" : "80");
        const localPort = LOCAL_PORTS[ui as keyof typeof LOCAL_PORTS];
        commands[ui] = `kubectl --namespace ${namespace} port-forward svc/${service} ${localPort}:${remotePort}`;
    }
    return commands;
}

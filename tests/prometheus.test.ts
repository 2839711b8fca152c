import { type RecordedResource, captureResources, valueOf } from "./helpers/pulumi";
import * as assert from "assert";
import { CHARTS } from "../components/charts";
import { Prometheus, type PrometheusArgs, operatorDuration } from "../components/Prometheus";
import type { StackConfig } from "../stacks/schema";
import { durationSeconds, quantityBytes } from "../stacks/units";
import { type ChartReference, chartReference, unknownValuePaths } from "../scripts/lib/chartKeys";
import { chartFullname, effectiveValue } from "./helpers/helmNames";
import { STACK_NAMES, loadStack } from "./helpers/stacks";

interface Built { config: StackConfig; prometheus: Prometheus; resources: RecordedResource[]; values: Record<string, any> }

let builds = 0;
async function build(stack: string, overrides: Record<string, string> = {}): Promise<Built> {
    const { config } = loadStack(stack, overrides);
    const args: PrometheusArgs = {
        namespace: config.namespace, settings: config.prometheus, cluster: config.cluster, ingress: config.ingress,
        nodeExporterNamespace: `${config.namespace}-node-exporter`,
    };
    let prometheus: Prometheus | undefined;
    const resources = await captureResources(() => { prometheus = new Prometheus(`prometheus-${stack}-${builds++}`, args); });
    const releases = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    assert.strictEqual(releases.length, 1);
    return { config, prometheus: prometheus!, resources, values: releases[0].inputs.values };
}

const chart: ChartReference = chartReference("kube-prometheus-stack", CHARTS.kubePrometheusStack.version);
const effective = (values: unknown, path: string) => effectiveValue(values, chart.defaults, path);

/** Every `resources` the chart's templates (and its subcharts') read: one per container kind it can render. */
function resourcePathsReadByTemplates(): string[] {
    const isResources = (path: string) => path === "resources" || path.endsWith(".resources");
    const paths = [...chart.templatePaths].filter(isResources);
    for (const [name, subchart] of chart.subcharts) paths.push(...[...subchart.templatePaths].filter(isResources).map((p) => `${name}.${p}`));
    return paths;
}

/** Containers the chart can render but this stack turns off, with the switch that turns each off. */
const OFF_SWITCHES: Record<string, string> = {
    "alertmanager.alertmanagerSpec.resources": "alertmanager.enabled",
    "prometheusOperator.admissionWebhooks.deployment.resources": "prometheusOperator.admissionWebhooks.deployment.enabled",
    "thanosRuler.thanosRulerSpec.resources": "thanosRuler.enabled",
    "kube-state-metrics.kubeRBACProxy.resources": "kube-state-metrics.kubeRBACProxy.enabled",
    "prometheus-node-exporter.kubeRBACProxy.resources": "prometheus-node-exporter.kubeRBACProxy.enabled",
    "prometheus-windows-exporter.resources": "windowsMonitoring.enabled",
};

function valueAt(values: unknown, path: string): any {
    // Subchart keys contain dots only between levels, never inside names, so a split is exact.
    return path.split(".").reduce<any>((node, part) => node?.[part], values);
}

const hasRequestsAndLimits = (resources: any) =>
    Boolean(resources?.requests?.cpu && resources?.requests?.memory && resources?.limits?.cpu && resources?.limits?.memory);

/** The default rule groups (`defaultRules.rules.*`) that watch the parts of the control plane a managed cluster hides. */
const CONTROL_PLANE_RULE_GROUPS = Object.keys((chart.defaults as any).defaultRules.rules)
    .filter((group) => /etcd|controllermanager|scheduler|proxy/i.test(group));
const CONTROL_PLANE_SCRAPE_JOBS = ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"];

/** The operator's CRD pattern for Duration fields (monitoring.coreos.com/v1 Prometheus). */
const OPERATOR_DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

describe("Prometheus (kube-prometheus-stack)", () => {
    const built: Record<string, Built> = {};
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = await build(stack);
    });

    it("finds the containers the chart can render (the resource check below is not vacuous)", () => {
        const paths = resourcePathsReadByTemplates();
        for (const expected of ["prometheus.prometheusSpec.resources", "prometheusOperator.resources", "crds.upgradeJob.resources",
            "kube-state-metrics.resources", "prometheus-node-exporter.resources", "prometheusOperator.prometheusConfigReloader.resources"]) {
            assert.ok(paths.includes(expected), `${expected} not among ${paths.join(", ")}`);
        }
        assert.deepStrictEqual(CONTROL_PLANE_RULE_GROUPS.sort(),
            ["etcd", "kubeControllerManager", "kubeProxy", "kubeSchedulerAlerting", "kubeSchedulerRecording"]);
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it("installs the pinned chart from its https repository as release \"prometheus\" with rollback on failure", () => {
                const release = built[stack].resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs;
                assert.strictEqual(release.chart, "kube-prometheus-stack");
                assert.strictEqual(release.version, CHARTS.kubePrometheusStack.version);
                assert.match(release.repositoryOpts.repo, /^https:\/\//);
                assert.strictEqual(release.name, "prometheus");
                assert.deepStrictEqual([release.atomic, release.cleanupOnFail], [true, true]);
                assert.ok(release.timeout > 0 && release.maxHistory > 0);
                assert.ok(built[stack].resources.some((r) => r.type === "observability:stack:Prometheus"));
            });

            it("sets only real keys of the chart and its subcharts", () => {
                assert.deepStrictEqual(unknownValuePaths(chart, built[stack].values), []);
            });

            it("gives every container the chart renders requests and limits, or turns it off", () => {
                const { values } = built[stack];
                for (const path of resourcePathsReadByTemplates()) {
                    const offSwitch = OFF_SWITCHES[path];
                    if (offSwitch && effective(values, offSwitch) === false) continue;
                    assert.ok(hasRequestsAndLimits(valueAt(values, path)), `${path} has no requests and limits`);
                }
            });

            it("runs no Grafana and renders no dashboard or datasource ConfigMaps for a sidecar", () => {
                const { values } = built[stack];
                const on = (path: string) => effective(values, path) === true;
                assert.strictEqual(on("grafana.enabled"), false);
                // The conditions of templates/grafana/dashboards-1.14/*.yaml and configmaps-datasources.yaml.
                assert.strictEqual((on("grafana.enabled") || on("grafana.forceDeployDashboards")) && on("grafana.defaultDashboardsEnabled"), false);
                assert.strictEqual((on("grafana.enabled") && on("grafana.sidecar.datasources.enabled")) || on("grafana.forceDeployDatasources"), false);
                assert.strictEqual(on("alertmanager.forceDeployDashboards") || on("nodeExporter.forceDeployDashboards"), false);
            });

            it("runs node-exporter (host access) in its own namespace, the rest in the stack's", () => {
                const { values, config } = built[stack];
                assert.strictEqual(values["prometheus-node-exporter"].namespaceOverride, `${config.namespace}-node-exporter`);
                assert.strictEqual(effective(values, "namespaceOverride"), "");
                assert.strictEqual(values["kube-state-metrics"].namespaceOverride, undefined);
            });

            it("keeps Prometheus' and Alertmanager's volumes when the StatefulSet is deleted or scaled down", () => {
                const { values } = built[stack];
                const keep = { whenDeleted: "Retain", whenScaled: "Retain" };
                assert.deepStrictEqual(values.prometheus.prometheusSpec.persistentVolumeClaimRetentionPolicy, keep);
                if (values.alertmanager.enabled) assert.deepStrictEqual(values.alertmanager.alertmanagerSpec.persistentVolumeClaimRetentionPolicy, keep);
            });

            it("selects ServiceMonitors, PodMonitors, PrometheusRules, Probes and ScrapeConfigs in every namespace", () => {
                const spec = built[stack].values.prometheus.prometheusSpec;
                for (const kind of ["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]) {
                    assert.strictEqual(spec[`${kind}SelectorNilUsesHelmValues`], false, kind);
                    // An empty selector selects everything; the chart's default is empty and we leave it so.
                    for (const selector of [`${kind}Selector`, `${kind}NamespaceSelector`]) {
                        assert.deepStrictEqual(effective(built[stack].values, `prometheus.prometheusSpec.${selector}`), {}, selector);
                    }
                }
            });

            it("keeps TSDB as configured: retention, size limit and a persistent volume", () => {
                const { values, config } = built[stack];
                const spec = values.prometheus.prometheusSpec;
                assert.strictEqual(durationSeconds(spec.retention), durationSeconds(config.prometheus.retention));
                assert.strictEqual(spec.retentionSize, config.prometheus.retentionSize);
                const claim = spec.storageSpec.volumeClaimTemplate.spec;
                assert.strictEqual(claim.resources.requests.storage, config.prometheus.storageSize);
                assert.deepStrictEqual(claim.accessModes, ["ReadWriteOnce"]);
                assert.ok(quantityBytes(claim.resources.requests.storage) > 0);
            });

            it("passes durations in the operator's format with the configured lengths", () => {
                const { values, config } = built[stack];
                const spec = values.prometheus.prometheusSpec;
                for (const [field, configured] of [["retention", config.prometheus.retention], ["scrapeInterval", config.prometheus.scrapeInterval],
                    ["evaluationInterval", config.prometheus.evaluationInterval]] as const) {
                    assert.match(spec[field], OPERATOR_DURATION, field);
                    assert.strictEqual(durationSeconds(spec[field]), durationSeconds(configured), field);
                }
            });

            it("stores exemplars and receives remote writes (Tempo's metrics generator)", () => {
                const spec = built[stack].values.prometheus.prometheusSpec;
                assert.ok(spec.enableFeatures.includes("exemplar-storage"));
                assert.strictEqual(spec.enableRemoteWriteReceiver, true);
            });

            it("upgrades the CRDs with the chart through the crds subchart's upgrade job", () => {
                const { values } = built[stack];
                assert.strictEqual(effective(values, "crds.enabled"), true);
                assert.strictEqual(effective(values, "crds.upgradeJob.enabled"), true);
                // The job must win over the field manager that installed the CRDs, or nothing changes.
                assert.strictEqual(effective(values, "crds.upgradeJob.forceConflicts"), true);
                assert.ok(hasRequestsAndLimits(values.crds.upgradeJob.resources));
                // Left empty, the tag becomes the cluster's version string, vendor suffix and all ("-eks-...").
                assert.match(String(effective(values, "crds.upgradeJob.image.kubectl.tag")), /^v\d+\.\d+\.\d+$/);
            });

            it("exports the URLs of the Services the chart creates", async () => {
                const { prometheus, values } = built[stack];
                // templates/prometheus/service.yaml: "<fullname>-prometheus" on prometheus.service.port.
                const fullname = chartFullname("kube-prometheus-stack", "prometheus", values, 26);
                const port = effective(values, "prometheus.service.port");
                const internal = `http://${fullname}-prometheus.monitoring.svc.cluster.local:${port}`;
                assert.strictEqual(await valueOf(prometheus.internalUrl), internal);
                assert.strictEqual(await valueOf(prometheus.remoteWriteUrl), `${internal}/api/v1/write`);
                assert.strictEqual(await valueOf(prometheus.url), internal);
                assert.strictEqual(await valueOf(prometheus.externalUrl), undefined);
            });
        });
    }

    it("names the Services \"prometheus-prometheus\" and \"prometheus-alertmanager\", not the truncated default", () => {
        const { values } = built.dev;
        assert.strictEqual(chartFullname("kube-prometheus-stack", "prometheus", {}, 26), "prometheus-kube-prometheus");
        assert.strictEqual(chartFullname("kube-prometheus-stack", "prometheus", values, 26), "prometheus");
    });

    it("dev and staging (self-managed control plane) scrape and alert on scheduler, controller manager, etcd and kube-proxy", () => {
        for (const stack of ["dev", "staging"]) {
            const { values, config } = built[stack];
            assert.strictEqual(config.cluster.managedControlPlane, false);
            for (const job of CONTROL_PLANE_SCRAPE_JOBS) assert.strictEqual(effective(values, `${job}.enabled`), true, `${stack} ${job}`);
            for (const group of CONTROL_PLANE_RULE_GROUPS) assert.strictEqual(effective(values, `defaultRules.rules.${group}`), true, `${stack} ${group}`);
        }
    });

    it("production (managed control plane) neither scrapes nor alerts on what EKS/GKE/AKS hide", () => {
        const { values, config } = built.production;
        assert.strictEqual(config.cluster.managedControlPlane, true);
        for (const job of CONTROL_PLANE_SCRAPE_JOBS) assert.strictEqual(effective(values, `${job}.enabled`), false, job);
        for (const group of CONTROL_PLANE_RULE_GROUPS) assert.strictEqual(effective(values, `defaultRules.rules.${group}`), false, group);
        // The rest of the cluster is still watched.
        for (const kept of ["kubelet", "kubeStateMetrics", "node", "kubernetesApps", "kubeApiserverSlos"]) {
            assert.strictEqual(effective(values, `defaultRules.rules.${kept}`), true, kept);
        }
        assert.strictEqual(effective(values, "kubeApiServer.enabled"), true);
    });

    it("managedControlPlane alone switches the control-plane jobs and rules", async () => {
        const managedDev = await build("dev", { cluster: JSON.stringify({ managedControlPlane: true }) });
        for (const job of CONTROL_PLANE_SCRAPE_JOBS) assert.strictEqual(effective(managedDev.values, `${job}.enabled`), false, job);
        for (const group of CONTROL_PLANE_RULE_GROUPS) assert.strictEqual(effective(managedDev.values, `defaultRules.rules.${group}`), false, group);
    });

    it("dev and staging: one replica, no PDB; production: an HA pair on separate nodes with a PDB", () => {
        for (const stack of ["dev", "staging"]) {
            const { values } = built[stack];
            assert.strictEqual(values.prometheus.prometheusSpec.replicas, 1);
            assert.strictEqual(values.prometheus.podDisruptionBudget.enabled, false);
        }
        const { values } = built.production;
        assert.strictEqual(values.prometheus.prometheusSpec.replicas, 2);
        assert.strictEqual(values.prometheus.prometheusSpec.podAntiAffinity, "hard");
        assert.deepStrictEqual(values.prometheus.podDisruptionBudget, { enabled: true, minAvailable: 1 });
    });

    it("production: each replica has its own remote-write URL, so a writer can feed both", async () => {
        const urls = await valueOf(built.production.prometheus.remoteWriteUrls);
        assert.strictEqual(urls.length, 2);
        assert.strictEqual(new Set(urls).size, 2);
        for (const url of urls) assert.match(url, /^http:\/\/prometheus-prometheus-[01]\.prometheus-operated\.monitoring\.svc\.cluster\.local:9090\/api\/v1\/write$/);
    });

    it("retention and volumes differ per stack as configured", () => {
        const sizes = STACK_NAMES.map((stack) => built[stack].values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage);
        assert.deepStrictEqual(sizes, STACK_NAMES.map((stack) => built[stack].config.prometheus.storageSize));
        assert.ok(quantityBytes(sizes[2]) > quantityBytes(sizes[0]), "production keeps more than dev");
    });

    it("uses the configured StorageClass for Prometheus and Alertmanager volumes", async () => {
        const { values } = await build("staging", {
            cluster: JSON.stringify({ storageClass: "fast-ssd" }), prometheus: JSON.stringify({ alertmanager: { enabled: true } }),
        });
        assert.strictEqual(values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName, "fast-ssd");
        assert.strictEqual(values.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.storageClassName, "fast-ssd");
        assert.strictEqual(built.staging.values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName, undefined);
    });

    it("Alertmanager off (alerting is Grafana-managed): no URL, no Alertmanager, no Alertmanager rules", async () => {
        for (const stack of STACK_NAMES) {
            const { values, prometheus, config } = built[stack];
            assert.strictEqual(config.prometheus.alertmanager.enabled, false);
            assert.strictEqual(values.alertmanager.enabled, false);
            assert.strictEqual(values.defaultRules.rules.alertmanager, false);
            assert.strictEqual(await valueOf(prometheus.alertmanagerUrl), undefined);
        }
    });

    it("Alertmanager on: its Service URL, replicas, resources, a volume, rules and (for a pair) a PDB", async () => {
        const { values, prometheus, config } = await build("production", { prometheus: JSON.stringify({ alertmanager: { enabled: true, replicas: 2 } }) });
        const settings = config.prometheus.alertmanager;
        // templates/alertmanager/service.yaml: "<fullname>-alertmanager" on alertmanager.service.port.
        const fullname = chartFullname("kube-prometheus-stack", "prometheus", values, 26);
        assert.strictEqual(await valueOf(prometheus.alertmanagerUrl),
            `http://${fullname}-alertmanager.monitoring.svc.cluster.local:${effective(values, "alertmanager.service.port")}`);
        assert.strictEqual(values.alertmanager.enabled, true);
        assert.strictEqual(values.alertmanager.alertmanagerSpec.replicas, 2);
        assert.deepStrictEqual(values.alertmanager.alertmanagerSpec.resources, settings.resources);
        assert.strictEqual(values.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.resources.requests.storage, settings.storageSize);
        assert.strictEqual(values.alertmanager.podDisruptionBudget.enabled, true);
        assert.strictEqual(values.defaultRules.rules.alertmanager, true);
        assert.deepStrictEqual(unknownValuePaths(chart, values), []);
        assert.ok(hasRequestsAndLimits(values.alertmanager.alertmanagerSpec.resources));
    });

    it("no host: no ingress; a host: ingress with the class, TLS, the cert-manager issuer and a public URL", async () => {
        assert.deepStrictEqual(built.staging.values.prometheus.ingress, { enabled: false });
        const { values, prometheus } = await build("staging", { prometheus: JSON.stringify({ host: "prometheus.staging.example.com" }) });
        const ingress = values.prometheus.ingress;
        assert.strictEqual(ingress.enabled, true);
        assert.strictEqual(ingress.ingressClassName, "nginx");
        assert.deepStrictEqual(ingress.hosts, ["prometheus.staging.example.com"]);
        assert.deepStrictEqual(ingress.tls, [{ secretName: "prometheus-tls", hosts: ["prometheus.staging.example.com"] }]);
        assert.strictEqual(ingress.annotations["cert-manager.io/cluster-issuer"], "letsencrypt-prod");
        assert.strictEqual(values.prometheus.prometheusSpec.externalUrl, "https://prometheus.staging.example.com");
        assert.strictEqual(await valueOf(prometheus.url), "https://prometheus.staging.example.com");
        assert.strictEqual(await valueOf(prometheus.externalUrl), "https://prometheus.staging.example.com");
        assert.match(await valueOf(prometheus.internalUrl), /^http:\/\/prometheus-prometheus\.monitoring\.svc\.cluster\.local:9090$/);
        assert.deepStrictEqual(unknownValuePaths(chart, values), []);
    });

    it("writes durations largest unit first, as the operator's CRD requires", () => {
        assert.strictEqual(operatorDuration("30m1h"), "1h30m");
        assert.strictEqual(operatorDuration("2w"), "14d");
        assert.strictEqual(operatorDuration("90s"), "1m30s");
        assert.strictEqual(operatorDuration("1500ms"), "1s500ms");
        for (const value of ["30m1h", "2w", "90s", "1500ms", "15d", "1y"]) assert.match(operatorDuration(value), OPERATOR_DURATION);
    });
});

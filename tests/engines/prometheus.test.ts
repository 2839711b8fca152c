import * as assert from "assert";
import { CHARTS } from "../../components/charts";
import { operatorDuration, Prometheus, type PrometheusArgs } from "../../components/prometheus/Prometheus";
import type { KubernetesObject, RenderedRelease } from "../../scripts/lib/helmTemplate";
import type { StackConfig } from "../../stacks/schema";
import { durationSeconds, quantityBytes } from "../../stacks/units";
import { outputValue, type RecordedResource } from "../helpers/pulumi";
import { componentRelease, findObject, hasRequestsAndLimits, namesOf, podSpecOf, renderedContainers, servicePorts, workloadsOf } from "../helpers/rendered";
import { loadStack, STACK_NAMES, TEST_SECRET_VALUES } from "../helpers/stacks";
import { type ChartReference, chartReference, unknownValuePaths } from "../support/chartKeys";

interface Built {
    config: StackConfig;
    prometheus: Prometheus;
    resources: RecordedResource[];
    values: Record<string, any>;
    /** `helm template` of the release, subcharts included. */
    rendered: RenderedRelease;
    objects: KubernetesObject[];
}

let builds = 0;
async function build(stack: string, overrides: Record<string, string> = {}): Promise<Built> {
    const { config } = loadStack(stack, overrides);
    const args: PrometheusArgs = {
        namespace: config.namespace,
        settings: config.prometheus,
        cluster: config.cluster,
        ingress: config.ingress,
        nodeExporterNamespace: `${config.namespace}-node-exporter`,
        alerting: config.alerting,
        smtp: config.grafana.smtp,
        notifierSecrets: TEST_SECRET_VALUES,
    };
    const { component: prometheus, resources, release, rendered } = await componentRelease(() => new Prometheus(`prometheus-${stack}-${builds++}`, args));
    return { config, prometheus, resources, values: release.values, rendered, objects: rendered.objects };
}

const chart: ChartReference = chartReference("kube-prometheus-stack", CHARTS.kubePrometheusStack.version);
/**
 * Alertmanager's configuration file, which the chart writes verbatim (templates/alertmanager/secret.yaml: toYaml):
 * its keys are Alertmanager's, checked by Alertmanager's own loader in tests/engines/alertmanager.test.ts.
 */
const RENDERED_VERBATIM = ["alertmanager.config"];
/** What the chart renders to scrape and alert on the parts of the control plane a managed cluster hides. */
const CONTROL_PLANE_MONITORS = ["prometheus-kube-controller-manager", "prometheus-kube-etcd", "prometheus-kube-proxy", "prometheus-kube-scheduler"];
const CONTROL_PLANE_RULES = [
    "prometheus-etcd",
    "prometheus-kube-scheduler.rules",
    "prometheus-kubernetes-system-controller-manager",
    "prometheus-kubernetes-system-kube-proxy",
    "prometheus-kubernetes-system-scheduler",
];
const controlPlane = (objects: KubernetesObject[]) => ({
    monitors: namesOf(objects, "ServiceMonitor").filter((name) => CONTROL_PLANE_MONITORS.includes(name)),
    services: namesOf(objects, "Service").filter((name) => CONTROL_PLANE_MONITORS.includes(name)),
    rules: namesOf(objects, "PrometheusRule").filter((name) => CONTROL_PLANE_RULES.includes(name)),
});
const prometheusResource = (b: Built) => findObject(b.objects, "Prometheus", "prometheus")!;

/** The operator's CRD pattern for Duration fields (monitoring.coreos.com/v1 Prometheus). */
const OPERATOR_DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

describe("Prometheus (kube-prometheus-stack)", function () {
    this.timeout(300_000);
    const built: Record<string, Built> = {};
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = await build(stack);
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it('installs the pinned chart from its https repository as release "prometheus" with rollback on failure', () => {
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
                assert.deepStrictEqual(unknownValuePaths(chart, built[stack].values, RENDERED_VERBATIM), []);
            });

            it("gives every container it renders, and the Prometheus it asks the operator for, requests and limits", () => {
                const b = built[stack];
                const containers = renderedContainers(b.objects);
                assert.ok(containers.some(({ name }) => name.startsWith("Deployment/prometheus-operator/")));
                for (const { name, container } of containers)
                    assert.ok(hasRequestsAndLimits(container.resources), `${name} has no requests and limits: ${JSON.stringify(container.resources)}`);
                assert.ok(hasRequestsAndLimits(prometheusResource(b).spec.resources), "Prometheus pods");
                // The operator adds the config-reloader sidecar to Prometheus' pods with the resources of its flags.
                const operator = podSpecOf(findObject(b.objects, "Deployment", "prometheus-operator")!).containers[0];
                for (const flag of [
                    "--config-reloader-cpu-request",
                    "--config-reloader-memory-request",
                    "--config-reloader-cpu-limit",
                    "--config-reloader-memory-limit",
                ]) {
                    assert.ok(
                        operator.args.some((arg: string) => arg.startsWith(`${flag}=`) && !/=0?$/.test(arg)),
                        `operator ${flag}`,
                    );
                }
            });

            it("runs no Grafana and renders no dashboard or datasource ConfigMaps for a sidecar", () => {
                const { objects } = built[stack];
                const labelled = (label: string) => objects.filter((o) => o.metadata.labels?.[label] !== undefined).map((o) => `${o.kind}/${o.metadata.name}`);
                assert.deepStrictEqual(labelled("grafana_dashboard"), []);
                assert.deepStrictEqual(labelled("grafana_datasource"), []);
                assert.deepStrictEqual(
                    workloadsOf(objects)
                        .filter((o) => /grafana/.test(o.metadata.name))
                        .map((o) => o.metadata.name),
                    [],
                );
            });

            it("runs node-exporter (host access) in its own namespace, the rest in the stack's", () => {
                const { values, config } = built[stack];
                assert.strictEqual(values["prometheus-node-exporter"].namespaceOverride, `${config.namespace}-node-exporter`);
                assert.strictEqual(values["kube-state-metrics"].namespaceOverride, undefined);
                // Only the Services that select kube-system's own pods (CoreDNS and the control plane) live with those pods.
                const inKubeSystem = (o: KubernetesObject) =>
                    o.kind === "Service" &&
                    o.metadata.namespace === "kube-system" &&
                    [...CONTROL_PLANE_MONITORS, "prometheus-coredns"].includes(o.metadata.name);
                const elsewhere = built[stack].objects.filter(
                    (o) =>
                        o.metadata.namespace !== undefined &&
                        o.metadata.namespace !== config.namespace &&
                        o.metadata.namespace !== `${config.namespace}-node-exporter` &&
                        !inKubeSystem(o),
                );
                assert.deepStrictEqual(
                    elsewhere.map((o) => `${o.kind}/${o.metadata.name} in ${o.metadata.namespace}`),
                    [],
                );
            });

            it("keeps Prometheus' and Alertmanager's volumes when the StatefulSet is deleted or scaled down", () => {
                const { values } = built[stack];
                const keep = { whenDeleted: "Retain", whenScaled: "Retain" };
                assert.deepStrictEqual(values.prometheus.prometheusSpec.persistentVolumeClaimRetentionPolicy, keep);
                if (values.alertmanager.enabled) assert.deepStrictEqual(values.alertmanager.alertmanagerSpec.persistentVolumeClaimRetentionPolicy, keep);
            });

            it("selects ServiceMonitors, PodMonitors, PrometheusRules, Probes and ScrapeConfigs in every namespace", () => {
                // The Prometheus resource the operator reads: an empty selector selects everything.
                const spec = prometheusResource(built[stack]).spec;
                for (const kind of ["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]) {
                    for (const selector of [`${kind}Selector`, `${kind}NamespaceSelector`]) assert.deepStrictEqual(spec[selector], {}, selector);
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
                for (const [field, configured] of [
                    ["retention", config.prometheus.retention],
                    ["scrapeInterval", config.prometheus.scrapeInterval],
                    ["evaluationInterval", config.prometheus.evaluationInterval],
                ] as const) {
                    assert.match(spec[field], OPERATOR_DURATION, field);
                    assert.strictEqual(durationSeconds(spec[field]), durationSeconds(configured), field);
                }
            });

            it("stores exemplars and receives remote writes (Tempo's metrics generator)", () => {
                const spec = built[stack].values.prometheus.prometheusSpec;
                assert.ok(spec.enableFeatures.includes("exemplar-storage"));
                assert.strictEqual(spec.enableRemoteWriteReceiver, true);
            });

            it("upgrades the CRDs with the chart through the crds subchart's upgrade job, winning over the installer's field manager", () => {
                const { objects } = built[stack];
                assert.ok(namesOf(objects, "CustomResourceDefinition").includes("prometheuses.monitoring.coreos.com"));
                const job = findObject(objects, "Job", "prometheus-crds-upgrade")!;
                assert.ok(job, "the upgrade Job is rendered");
                // A Helm hook, so it runs on every upgrade before the chart's other objects.
                assert.match(job.metadata.annotations!["helm.sh/hook"], /pre-upgrade/);
                const kubectl = podSpecOf(job).containers.find((c: any) => c.name === "kubectl");
                assert.deepStrictEqual(kubectl.args.slice(0, 3), ["apply", "--server-side", "--force-conflicts"]);
                // Left empty, the tag becomes the cluster's version string, vendor suffix and all ("-eks-...").
                assert.match(kubectl.image, /:v\d+\.\d+\.\d+$/);
            });

            it("exports the URLs of a Service the chart renders, on the port it serves", async () => {
                const b = built[stack];
                const internal = new URL(await outputValue(b.prometheus.internalUrl));
                assert.strictEqual(internal.hostname, `prometheus-prometheus.${b.config.namespace}.svc.cluster.local`);
                assert.ok(servicePorts(b.objects, "prometheus-prometheus").includes(Number(internal.port)), internal.port);
                assert.strictEqual(await outputValue(b.prometheus.remoteWriteUrl), `${internal.origin}/api/v1/write`);
                assert.strictEqual(await outputValue(b.prometheus.url), internal.origin);
                assert.strictEqual(await outputValue(b.prometheus.externalUrl), undefined);
            });
        });
    }

    it('names the Services "prometheus-prometheus" and "prometheus-operator", not the truncated default', () => {
        const services = namesOf(built.dev.objects, "Service");
        assert.ok(services.includes("prometheus-prometheus") && services.includes("prometheus-operator"), services.join(", "));
        assert.deepStrictEqual(
            services.filter((name) => name.includes("kube-prometheus")),
            [],
        );
    });

    it("staging (a self-managed control plane) scrapes and alerts on scheduler, controller manager, etcd and kube-proxy", () => {
        assert.strictEqual(built.staging.config.cluster.distribution, "self-managed");
        assert.deepStrictEqual(controlPlane(built.staging.objects), {
            monitors: [...CONTROL_PLANE_MONITORS].sort(),
            services: [...CONTROL_PLANE_MONITORS].sort(),
            rules: [...CONTROL_PLANE_RULES].sort(),
        });
    });

    it("dev (kind) and production (EKS) neither scrape nor alert on a control plane they cannot reach", () => {
        for (const [stack, distribution] of [
            ["dev", "kind"],
            ["production", "eks"],
        ] as const) {
            const { objects, config } = built[stack];
            assert.strictEqual(config.cluster.distribution, distribution);
            assert.deepStrictEqual(controlPlane(objects), { monitors: [], services: [], rules: [] }, stack);
            // The rest of the cluster is still watched.
            const rules = namesOf(objects, "PrometheusRule");
            for (const kept of [
                "prometheus-kubelet.rules",
                "prometheus-kube-state-metrics",
                "prometheus-node-exporter",
                "prometheus-kubernetes-apps",
                "prometheus-kube-apiserver-slos",
            ]) {
                assert.ok(rules.includes(kept), `${stack}: ${kept}`);
            }
            assert.ok(namesOf(objects, "ServiceMonitor").includes("prometheus-apiserver"), stack);
        }
    });

    it("every distribution but self-managed leaves the control plane out; managedControlPlane (older stack files) too", async () => {
        for (const distribution of ["kind", "k3d", "minikube", "docker-desktop", "kubeadm", "gke", "aks"]) {
            const { objects } = await build("staging", { cluster: JSON.stringify({ distribution }) });
            assert.deepStrictEqual(controlPlane(objects), { monitors: [], services: [], rules: [] }, distribution);
        }
        const managed = await build("staging", { cluster: JSON.stringify({ managedControlPlane: true }) });
        assert.deepStrictEqual(controlPlane(managed.objects), { monitors: [], services: [], rules: [] });
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
        const urls = await outputValue(built.production.prometheus.remoteWriteUrls);
        assert.strictEqual(urls.length, 2);
        assert.strictEqual(new Set(urls).size, 2);
        for (const url of urls)
            assert.match(url, /^http:\/\/prometheus-prometheus-[01]\.prometheus-operated\.monitoring\.svc\.cluster\.local:9090\/api\/v1\/write$/);
    });

    it("retention and volumes differ per stack as configured", () => {
        const sizes = STACK_NAMES.map((stack) => built[stack].values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage);
        assert.deepStrictEqual(
            sizes,
            STACK_NAMES.map((stack) => built[stack].config.prometheus.storageSize),
        );
        assert.ok(quantityBytes(sizes[2]) > quantityBytes(sizes[0]), "production keeps more than dev");
    });

    it("uses the configured StorageClass for Prometheus and Alertmanager volumes", async () => {
        const { values } = await build("staging", {
            cluster: JSON.stringify({ storageClass: "fast-ssd" }),
            prometheus: JSON.stringify({ alertmanager: { enabled: true } }),
        });
        assert.strictEqual(values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName, "fast-ssd");
        assert.strictEqual(values.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.storageClassName, "fast-ssd");
        assert.strictEqual(built.staging.values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName, undefined);
    });

    it("Alertmanager in every stack (kube-prometheus-stack's alerts reach contact points through it): its URL and rules", async () => {
        for (const stack of STACK_NAMES) {
            const { values, prometheus, config, objects } = built[stack];
            assert.strictEqual(config.prometheus.alertmanager.enabled, true, stack);
            assert.strictEqual(values.alertmanager.enabled, true, stack);
            assert.strictEqual(values.defaultRules.rules.alertmanager, true, stack);
            assert.strictEqual(
                new URL((await outputValue(prometheus.alertmanagerUrl))!).hostname,
                "prometheus-alertmanager.monitoring.svc.cluster.local",
                stack,
            );
            assert.ok(namesOf(objects, "PrometheusRule").includes("prometheus-alertmanager.rules"), `${stack}: Alertmanager's own rules`);
        }
    });

    it("Alertmanager on: its Service URL, replicas, resources, a volume, rules and (for a pair) a PDB", async () => {
        const { values, prometheus, config, objects } = built.production;
        const settings = config.prometheus.alertmanager;
        const url = new URL((await outputValue(prometheus.alertmanagerUrl))!);
        assert.strictEqual(url.hostname, "prometheus-alertmanager.monitoring.svc.cluster.local");
        assert.ok(servicePorts(objects, "prometheus-alertmanager").includes(Number(url.port)), url.port);
        const alertmanager = findObject(objects, "Alertmanager", "prometheus-alertmanager") ?? objects.find((o) => o.kind === "Alertmanager")!;
        assert.strictEqual(alertmanager.spec.replicas, 2);
        assert.deepStrictEqual(alertmanager.spec.resources, settings.resources);
        assert.strictEqual(alertmanager.spec.storage.volumeClaimTemplate.spec.resources.requests.storage, settings.storageSize);
        assert.ok(findObject(objects, "PodDisruptionBudget", "prometheus-alertmanager"), "a PDB for the pair");
        assert.ok(namesOf(objects, "PrometheusRule").includes("prometheus-alertmanager.rules"), "its rules");
        assert.strictEqual(values.alertmanager.enabled, true);
        assert.strictEqual(values.alertmanager.alertmanagerSpec.replicas, 2);
        assert.deepStrictEqual(values.alertmanager.alertmanagerSpec.resources, settings.resources);
        assert.strictEqual(values.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.resources.requests.storage, settings.storageSize);
        assert.strictEqual(values.alertmanager.podDisruptionBudget.enabled, true);
        assert.strictEqual(values.defaultRules.rules.alertmanager, true);
        assert.deepStrictEqual(unknownValuePaths(chart, values, RENDERED_VERBATIM), []);
        assert.ok(hasRequestsAndLimits(values.alertmanager.alertmanagerSpec.resources));
    });

    it("an existing TLS Secret instead of an issuer: the rendered Ingress serves it, without cert-manager", async () => {
        const { objects } = await build("staging", {
            prometheus: JSON.stringify({ host: "prometheus.staging.example.com" }),
            ingress: JSON.stringify({ clusterIssuer: null, tlsSecretName: "wildcard-tls" }),
        });
        const ingress = findObject(objects, "Ingress", "prometheus-prometheus")!;
        assert.deepStrictEqual(ingress.spec.tls, [{ secretName: "wildcard-tls", hosts: ["prometheus.staging.example.com"] }]);
        assert.strictEqual(ingress.metadata.annotations?.["cert-manager.io/cluster-issuer"], undefined);
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
        assert.strictEqual(await outputValue(prometheus.url), "https://prometheus.staging.example.com");
        assert.strictEqual(await outputValue(prometheus.externalUrl), "https://prometheus.staging.example.com");
        assert.match(await outputValue(prometheus.internalUrl), /^http:\/\/prometheus-prometheus\.monitoring\.svc\.cluster\.local:9090$/);
        assert.deepStrictEqual(unknownValuePaths(chart, values, RENDERED_VERBATIM), []);
    });

    it("writes durations largest unit first, as the operator's CRD requires", () => {
        assert.strictEqual(operatorDuration("30m1h"), "1h30m");
        assert.strictEqual(operatorDuration("2w"), "14d");
        assert.strictEqual(operatorDuration("90s"), "1m30s");
        assert.strictEqual(operatorDuration("1500ms"), "1s500ms");
        for (const value of ["30m1h", "2w", "90s", "1500ms", "15d", "1y"]) assert.match(operatorDuration(value), OPERATOR_DURATION);
    });
});

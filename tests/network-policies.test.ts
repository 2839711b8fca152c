import { type RecordedResource, captureResources } from "./helpers/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CHARTS, type ChartKey } from "../components/charts";
import { COLLECTOR_RELEASE, collectorValues } from "../components/Collector";
import { GRAFANA_RELEASE, grafanaValues } from "../components/Grafana";
import { LOKI_RELEASE, lokiValues } from "../components/Loki";
import { type LabelSelector, NetworkPolicies, type NetworkPolicySpec, type NetworkPolicySpecArgs, networkPolicySpecs } from "../components/NetworkPolicies";
import { PROMETHEUS_RELEASE, prometheusValues } from "../components/Prometheus";
import { TEMPO_RELEASE, tempoValues } from "../components/Tempo";
import type { StackConfig } from "../stacks/schema";
import { SHARED_CHARTS_DIR, chartReference } from "../scripts/lib/chartKeys";
import { chartFullname, effectiveValue } from "./helpers/helmNames";
import { loadStack } from "./helpers/stacks";

// ---- A NetworkPolicy evaluator (networking.k8s.io/v1 semantics) ----

interface Pod { name: string; namespace: string; labels: Record<string, string> }
/** The API server calls webhooks from outside the pod network. */
const API_SERVER = "api-server" as const;
type Client = Pod | typeof API_SERVER;
interface Port { protocol: "TCP" | "UDP"; port: number }
interface Policy { namespace: string; spec: NetworkPolicySpec & { egress?: unknown[] } }

function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
    const labelsMatch = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
    return labelsMatch && (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
        switch (operator) {
            case "In": return key in labels && values.includes(labels[key]);
            case "NotIn": return !(key in labels) || !values.includes(labels[key]);
            case "Exists": return key in labels;
            case "DoesNotExist": return !(key in labels);
        }
    });
}
/** The API server labels every namespace with its name. */
const namespaceLabels = (namespace: string) => ({ "kubernetes.io/metadata.name": namespace });
const policyTypes = (spec: Policy["spec"]) => spec.policyTypes ?? ["Ingress", ...(spec.egress ? ["Egress"] : [])];

/** Whether `client` may open a connection to `server` on `port`: policies are allow-lists, unioned. */
function canReach(policies: Policy[], client: Client, server: Pod, port: Port): boolean {
    if (client !== API_SERVER && policies.some((p) => p.namespace === client.namespace && policyTypes(p.spec).includes("Egress")
        && selects(p.spec.podSelector, client.labels))) throw new Error("egress isolation is not modelled");
    const isolating = policies.filter((p) => p.namespace === server.namespace && policyTypes(p.spec).includes("Ingress")
        && selects(p.spec.podSelector, server.labels));
    if (isolating.length === 0) return true;
    return isolating.some((policy) => (policy.spec.ingress ?? []).some((rule) => {
        const portMatches = !rule.ports?.length || rule.ports.some((p) => (p.protocol ?? "TCP") === port.protocol && p.port === port.port);
        if (!portMatches) return false;
        if (!rule.from?.length) return true;
        return rule.from.some((peer) => {
            if (client === API_SERVER) return false;
            const namespaceMatches = peer.namespaceSelector
                ? selects(peer.namespaceSelector, namespaceLabels(client.namespace)) : client.namespace === policy.namespace;
            return namespaceMatches && (!peer.podSelector || selects(peer.podSelector, client.labels));
        });
    }));
}

// ---- What the charts run, and on which ports (from the pinned charts' defaults in ../shared/charts) ----

const chartDir = (key: ChartKey) => path.join(SHARED_CHARTS_DIR, CHARTS[key].chart, CHARTS[key].version);
const defaults = (key: ChartKey) => chartReference(CHARTS[key].chart, CHARTS[key].version).defaults as any;
const chartName = (directory: string) => (parse(fs.readFileSync(path.join(directory, "Chart.yaml"), "utf8")) as { name: string }).name;
const tcp = (port: number): Port => ({ protocol: "TCP", port });
const udp = (port: number): Port => ({ protocol: "UDP", port });
const portOf = (endpoint: string) => Number(endpoint.split(":").pop());

const kps = defaults("kubePrometheusStack");
const ksmDefaults = chartReference(CHARTS.kubePrometheusStack.chart, CHARTS.kubePrometheusStack.version).subcharts.get("kube-state-metrics")!.defaults as any;
const [lokiDefaults, tempoDefaults, tempoDistributedDefaults] = [defaults("loki"), defaults("tempo"), defaults("tempoDistributed")];
const PORTS = {
    grafana: tcp(defaults("grafana").service.targetPort),
    // grafana templates/_pod.tpl hard-codes the unified-alerting gossip port, TCP and UDP.
    grafanaGossip: [tcp(9094), udp(9094)],
    prometheus: tcp(kps.prometheus.service.targetPort),
    configReloader: tcp(kps.prometheus.service.reloaderWebPort),
    alertmanager: tcp(kps.alertmanager.service.targetPort),
    // prometheus-operator gives every Alertmanager a mesh port 9094, TCP and UDP.
    alertmanagerMesh: [tcp(9094), udp(9094)],
    operator: tcp(kps.prometheusOperator.tls.internalPort),
    kubeStateMetrics: tcp(ksmDefaults.service.port),
    lokiHttp: tcp(lokiDefaults.loki.server.http_listen_port),
    lokiGrpc: tcp(lokiDefaults.loki.server.grpc_listen_port),
    lokiMemberlist: tcp(lokiDefaults.loki.extraMemberlistConfig.bind_port),
    lokiGateway: tcp(lokiDefaults.gateway.containerPort),
    lokiCache: tcp(lokiDefaults.chunksCache.port),
    // memcached-exporter sidecar of loki's caches (loki _memcached-statefulset.tpl: --web.listen-address=0.0.0.0:9150).
    cacheExporter: tcp(9150),
    tempoHttp: tcp(tempoDefaults.tempo.server.http_listen_port),
    otlpGrpc: tcp(portOf(tempoDefaults.tempo.receivers.otlp.protocols.grpc.endpoint)),
    otlpHttp: tcp(portOf(tempoDefaults.tempo.receivers.otlp.protocols.http.endpoint)),
    tempoDistributedHttp: tcp(tempoDistributedDefaults.server.httpListenPort),
    tempoDistributedGrpc: tcp(tempoDistributedDefaults.metricsGenerator.ports.find((p: { name: string }) => p.name === "grpc").port),
    tempoDistributedMemberlist: tcp(tempoDistributedDefaults.memberlist.bind_port),
    // tempo-distributed templates/memcached/statefulset-memcached.yaml: containerPort 11211.
    tempoCache: tcp(11211),
    alloy: tcp(defaults("alloy").alloy.listenPort),
};

const NAMESPACE = "monitoring";
const pod = (name: string, labels: Record<string, string>, namespace = NAMESPACE): Pod =>
    ({ name, namespace, labels: { "pod-template-hash": "5d8f7c", ...labels } });
const named = (name: string, instance: string) => ({ "app.kubernetes.io/name": name, "app.kubernetes.io/instance": instance });

// Our values set no nameOverride (checked below), so each chart's name label is its Chart.yaml name.
const prometheusCr = chartFullname(CHARTS.kubePrometheusStack.chart, PROMETHEUS_RELEASE, prometheusValues(
    { ...argsForPrometheus(), namespace: NAMESPACE, nodeExporterNamespace: `${NAMESPACE}-node-exporter` }), 26);
const kpsName = chartName(chartDir("kubePrometheusStack"));
const lokiPod = (component: string, extra: Record<string, string> = {}) =>
    pod(`loki-${component}`, { ...named(chartName(chartDir("loki")), LOKI_RELEASE), "app.kubernetes.io/component": component, ...extra });
// tempo-distributed _helpers.tpl "tempo.name" defaults to "tempo", not the chart's name.
const tempoPod = (component: string) => pod(`tempo-${component}`, { ...named("tempo", TEMPO_RELEASE), "app.kubernetes.io/component": component });

const POD = {
    grafana: pod("grafana-0", named(chartName(chartDir("grafana")), GRAFANA_RELEASE)),
    // Labels prometheus-operator puts on the pods of the Prometheus and Alertmanager it runs.
    prometheus: pod("prometheus-prometheus-0", { ...named("prometheus", prometheusCr), "app.kubernetes.io/managed-by": "prometheus-operator",
        "operator.prometheus.io/name": prometheusCr, "operator.prometheus.io/shard": "0", prometheus: prometheusCr }),
    alertmanager: pod("alertmanager-prometheus-0", { ...named("alertmanager", prometheusCr), "app.kubernetes.io/managed-by": "prometheus-operator",
        alertmanager: prometheusCr }),
    // kube-prometheus-stack _prometheus-operator.tpl and _helpers.tpl "kube-prometheus-stack.labels".
    operator: pod("prometheus-operator", { app: `${kpsName}-operator`, release: PROMETHEUS_RELEASE, "app.kubernetes.io/instance": PROMETHEUS_RELEASE,
        "app.kubernetes.io/name": `${kpsName}-prometheus-operator`, "app.kubernetes.io/component": "prometheus-operator" }),
    // kube-state-metrics _helpers.tpl "kube-state-metrics.labels" (releaseLabel is on in kube-prometheus-stack).
    kubeStateMetrics: pod("kube-state-metrics", { ...named(chartName(path.join(chartDir("kubePrometheusStack"), "charts", "kube-state-metrics")),
        PROMETHEUS_RELEASE), release: PROMETHEUS_RELEASE, "app.kubernetes.io/component": "metrics" }),
    // loki _pod.tpl: loki.labels + component (+ part-of memberlist); gateway and memcached helpers: selector labels + component.
    lokiSingleBinary: lokiPod("single-binary", { "app.kubernetes.io/part-of": "memberlist" }),
    lokiDistributor: lokiPod("distributor", { "app.kubernetes.io/part-of": "memberlist" }),
    lokiIngester: lokiPod("ingester", { "app.kubernetes.io/part-of": "memberlist" }),
    lokiQuerier: lokiPod("querier", { "app.kubernetes.io/part-of": "memberlist" }),
    lokiGateway: lokiPod("gateway"),
    lokiChunksCache: lokiPod("memcached-chunks-cache", { name: "memcached-chunks-cache" }),
    // tempo chart statefulset: tempo.selectorLabels only (name = .Chart.Name).
    tempoSingleBinary: pod("tempo-0", named(chartName(chartDir("tempo")), TEMPO_RELEASE)),
    tempoDistributor: tempoPod("distributor"),
    tempoLiveStore: tempoPod("live-store"),
    tempoQuerier: tempoPod("querier"),
    tempoMetricsGenerator: tempoPod("metrics-generator"),
    tempoCache: tempoPod("memcached"),
    alloy: pod("alloy-0", named(chartName(chartDir("alloy")), COLLECTOR_RELEASE)),
    strayInNamespace: pod("debug-shell", { run: "debug-shell" }),
    ingressController: pod("ingress-nginx-controller", { "app.kubernetes.io/name": "ingress-nginx" }, "ingress-nginx"),
    application: pod("checkout", { app: "checkout" }, "default"),
    otherApplication: pod("batch", { app: "batch" }, "elsewhere"),
};

function argsForPrometheus() {
    const { config } = loadStack("dev");
    return { settings: config.prometheus, cluster: config.cluster, ingress: config.ingress };
}
const specArgs = (config: StackConfig): NetworkPolicySpecArgs => ({
    ingressControllerNamespace: config.ingress.controllerNamespace,
    applicationNamespaces: config.collector.applicationNamespaces,
    alertmanagerEnabled: config.prometheus.alertmanager.enabled,
    prometheusIngressEnabled: Boolean(config.prometheus.host),
});
const inNamespace = (specs: Array<{ spec: NetworkPolicySpec }>): Policy[] => specs.map(({ spec }) => ({ namespace: NAMESPACE, spec }));
const pure = (overrides: Partial<NetworkPolicySpecArgs> = {}) => inNamespace(networkPolicySpecs({ ...specArgs(loadStack("dev").config), ...overrides }));

type Flow = [Client, Pod, Port | Port[], boolean];
function assertFlows(policies: Policy[], flows: Flow[]) {
    for (const [client, server, ports, expected] of flows) {
        for (const port of [ports].flat()) {
            const from = client === API_SERVER ? client : `${client.namespace}/${client.name}`;
            assert.strictEqual(canReach(policies, client, server, port), expected,
                `${from} → ${server.namespace}/${server.name}:${port.port}/${port.protocol} should be ${expected ? "allowed" : "denied"}`);
        }
    }
}

describe("NetworkPolicies", () => {
    const built: Record<string, { config: StackConfig; resources: RecordedResource[]; policies: Policy[] }> = {};
    before(async () => {
        for (const stack of ["dev", "production"]) {
            const { config } = loadStack(stack);
            const resources = await captureResources(() => new NetworkPolicies(`network-${stack}`, { namespace: config.namespace, ...specArgs(config) }));
            const policies = resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")
                .map((r) => ({ namespace: r.inputs.metadata.namespace, spec: r.inputs.spec }));
            built[stack] = { config, resources, policies };
        }
    });

    it("registers one component whose NetworkPolicies live in the stack's namespace and render networkPolicySpecs", () => {
        for (const [stack, { config, resources, policies }] of Object.entries(built)) {
            assert.deepStrictEqual(resources.filter((r) => r.type === "observability:stack:NetworkPolicies").map((r) => r.name), [`network-${stack}`]);
            const children = resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy");
            assert.ok(children.every((r) => r.name.startsWith(`network-${stack}-`) && r.inputs.metadata.namespace === config.namespace));
            // Registration order is the engine's; compare by name.
            const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
            assert.deepStrictEqual(children.map((r) => ({ name: r.inputs.metadata.name, spec: r.inputs.spec })).sort(byName),
                networkPolicySpecs(specArgs(config)).sort(byName));
            assert.ok(policies.length > 1);
        }
    });

    it("renders valid objects: DNS names, selector operators with or without values, numeric TCP/UDP ports", () => {
        for (const { resources } of Object.values(built)) {
            for (const { inputs } of resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")) {
                assert.match(inputs.metadata.name, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
                const selectors: LabelSelector[] = [inputs.spec.podSelector, ...(inputs.spec.ingress ?? []).flatMap((rule: any) =>
                    (rule.from ?? []).flatMap((peer: any) => [peer.podSelector, peer.namespaceSelector].filter(Boolean)))];
                for (const expression of selectors.flatMap((s) => s.matchExpressions ?? [])) {
                    assert.strictEqual(["In", "NotIn"].includes(expression.operator), (expression.values ?? []).length > 0, JSON.stringify(expression));
                }
                for (const port of (inputs.spec.ingress ?? []).flatMap((rule: any) => rule.ports)) {
                    assert.ok(["TCP", "UDP"].includes(port.protocol) && Number.isInteger(port.port) && port.port > 0 && port.port < 65536);
                }
            }
        }
    });

    it("denies every ingress by default, and restricts no egress (DNS, object storage, Kafka, the API server)", () => {
        for (const { policies } of Object.values(built)) {
            const denyAll = policies.filter((p) => Object.keys(p.spec.podSelector).length === 0);
            assert.deepStrictEqual(denyAll.map((p) => [p.spec.policyTypes, p.spec.ingress ?? []]), [[["Ingress"], []]]);
            assert.ok(policies.every((p) => JSON.stringify(p.spec.policyTypes) === '["Ingress"]' && !("egress" in p.spec)));
            assertFlows(policies, [[POD.grafana, POD.strayInNamespace, [tcp(80), tcp(8080)], false], [API_SERVER, POD.strayInNamespace, tcp(443), false]]);
        }
    });

    it("selects each workload's pods by the labels its chart sets, and no other pods", () => {
        const { config } = loadStack("dev");
        const grafana = grafanaValues(NAMESPACE, { namespace: NAMESPACE, settings: config.grafana, ingress: config.ingress });
        const alloy = collectorValues({ namespace: NAMESPACE, settings: config.collector, lokiPushUrl: "http://loki", tempoOtlpGrpcEndpoint: "tempo:4317" });
        const lokiAndTempo = ["dev", "production"].flatMap((stack) => {
            const { config: c } = loadStack(stack);
            const common = { namespace: NAMESPACE, objectStorage: c.objectStorage, storageClass: c.cluster.storageClass };
            return [lokiValues({ ...common, settings: c.loki }), tempoValues({ ...common, settings: c.tempo, prometheusRemoteWriteUrls: ["http://p:9090/api/v1/write"] })];
        });
        // fullnameOverride only renames objects; the name label comes from nameOverride or the chart's name.
        for (const values of [grafana, alloy, ...lokiAndTempo]) assert.ok(!values.nameOverride);
        const values = prometheusValues({ ...argsForPrometheus(), namespace: NAMESPACE, nodeExporterNamespace: "x" });
        assert.strictEqual(values.cleanPrometheusOperatorObjectNames, true, "the CRs (and their pods' labels) are named after the fullname");
        const lokiPods = [POD.lokiSingleBinary, POD.lokiDistributor, POD.lokiIngester, POD.lokiQuerier, POD.lokiGateway, POD.lokiChunksCache];
        const tempoPods = [POD.tempoSingleBinary, POD.tempoDistributor, POD.tempoLiveStore, POD.tempoQuerier, POD.tempoMetricsGenerator, POD.tempoCache];
        const expected: Record<string, Pod[]> = {
            "allow-ingress-to-grafana": [POD.grafana], "allow-ingress-to-prometheus": [POD.prometheus], "allow-ingress-to-alertmanager": [POD.alertmanager],
            "allow-ingress-to-prometheus-operator": [POD.operator], "allow-ingress-to-kube-state-metrics": [POD.kubeStateMetrics],
            "allow-ingress-to-loki": lokiPods, "allow-ingress-to-tempo": tempoPods, "allow-ingress-to-alloy": [POD.alloy],
        };
        const specs = networkPolicySpecs({ ...specArgs(loadStack("dev").config), alertmanagerEnabled: true });
        assert.deepStrictEqual(specs.map((s) => s.name).filter((n) => n !== "default-deny-ingress").sort(), Object.keys(expected).sort());
        for (const { name, spec } of specs.filter((s) => s.name in expected)) {
            const selected = Object.values(POD).filter((p) => p.namespace === NAMESPACE && selects(spec.podSelector, p.labels));
            assert.deepStrictEqual(selected.map((p) => p.name).sort(), expected[name].map((p) => p.name).sort(), name);
        }
    });

    for (const stack of ["dev", "production"]) {
        it(`${stack}: allows exactly the flows the stack needs (${stack === "dev" ? "monolithic" : "distributed"} Loki and Tempo)`, () => {
            const { policies } = built[stack];
            const [loki, tempo] = stack === "dev" ? [POD.lokiSingleBinary, POD.tempoSingleBinary] : [POD.lokiDistributor, POD.tempoDistributor];
            const tempoHttp = stack === "dev" ? PORTS.tempoHttp : PORTS.tempoDistributedHttp;
            const scraped: Array<[Pod, Port[]]> = [[POD.grafana, [PORTS.grafana]], [POD.prometheus, [PORTS.prometheus, PORTS.configReloader]],
                [POD.operator, [PORTS.operator]], [POD.kubeStateMetrics, [PORTS.kubeStateMetrics]], [loki, [PORTS.lokiHttp]],
                [POD.lokiChunksCache, [PORTS.cacheExporter]], [tempo, [tempoHttp]], [POD.alloy, [PORTS.alloy]]];
            assertFlows(policies, [
                [POD.ingressController, POD.grafana, PORTS.grafana, true],
                [POD.grafana, POD.grafana, [PORTS.grafana, ...PORTS.grafanaGossip], true],
                [POD.grafana, POD.prometheus, PORTS.prometheus, true],
                [POD.grafana, loki, PORTS.lokiHttp, true], [POD.grafana, POD.lokiGateway, PORTS.lokiGateway, true],
                [POD.grafana, tempo, tempoHttp, true],
                [POD.alloy, loki, PORTS.lokiHttp, true], [POD.alloy, POD.lokiGateway, PORTS.lokiGateway, true],
                [POD.alloy, tempo, [PORTS.otlpGrpc, PORTS.otlpHttp], true],
                [POD.application, POD.alloy, [PORTS.otlpGrpc, PORTS.otlpHttp], true], [POD.grafana, POD.alloy, PORTS.otlpGrpc, true],
                [POD.alloy, POD.alloy, PORTS.alloy, true],
                ...scraped.map(([server, ports]): Flow => [POD.prometheus, server, ports, true]),
                [API_SERVER, POD.operator, PORTS.operator, true],
                [POD.lokiIngester, POD.lokiDistributor, [PORTS.lokiHttp, PORTS.lokiGrpc, PORTS.lokiMemberlist], true],
                [POD.lokiQuerier, POD.lokiChunksCache, PORTS.lokiCache, true], [POD.lokiGateway, POD.lokiQuerier, PORTS.lokiHttp, true],
                [POD.tempoLiveStore, POD.tempoDistributor, [PORTS.tempoDistributedGrpc, PORTS.tempoDistributedMemberlist], true],
                [POD.tempoQuerier, POD.tempoCache, PORTS.tempoCache, true],
                [stack === "dev" ? POD.tempoSingleBinary : POD.tempoMetricsGenerator, POD.prometheus, PORTS.prometheus, true],
                // Applications send OTLP to the collector and nothing else.
                [POD.application, POD.alloy, PORTS.alloy, false], [POD.otherApplication, POD.alloy, PORTS.otlpGrpc, false],
                [POD.application, loki, PORTS.lokiHttp, false], [POD.application, POD.lokiGateway, PORTS.lokiGateway, false],
                [POD.application, POD.prometheus, PORTS.prometheus, false], [POD.application, tempo, [PORTS.otlpGrpc, tempoHttp], false],
                [POD.application, POD.grafana, PORTS.grafana, false], [POD.ingressController, POD.prometheus, PORTS.prometheus, false],
                [POD.ingressController, loki, PORTS.lokiHttp, false],
                // Inside the namespace only the listed pairs talk.
                [POD.tempoQuerier, POD.prometheus, PORTS.prometheus, false], [POD.alloy, POD.prometheus, PORTS.prometheus, false],
                [POD.tempoQuerier, loki, PORTS.lokiHttp, false], [loki, tempo, PORTS.otlpGrpc, false],
                [POD.grafana, POD.kubeStateMetrics, PORTS.kubeStateMetrics, false], [POD.grafana, loki, PORTS.lokiGrpc, false],
                [POD.alloy, POD.grafana, PORTS.grafana, false], [POD.strayInNamespace, POD.prometheus, PORTS.prometheus, false],
                [POD.prometheus, POD.grafana, PORTS.grafanaGossip, false], [API_SERVER, POD.prometheus, PORTS.prometheus, false],
            ]);
        });
    }

    it("takes the collector's OTLP senders from applicationNamespaces", () => {
        const shop = pod("cart", { app: "cart" }, "shop");
        assertFlows(pure({ applicationNamespaces: ["shop", "payments"] }), [
            [shop, POD.alloy, [PORTS.otlpGrpc, PORTS.otlpHttp], true], [{ ...shop, namespace: "payments" }, POD.alloy, PORTS.otlpHttp, true],
            [POD.application, POD.alloy, PORTS.otlpGrpc, false], [shop, POD.lokiSingleBinary, PORTS.lokiHttp, false],
        ]);
        assertFlows(pure({ applicationNamespaces: [] }), [[POD.application, POD.alloy, PORTS.otlpGrpc, false], [POD.grafana, POD.alloy, PORTS.otlpGrpc, true]]);
    });

    it("lets Prometheus and Grafana reach Alertmanager, and replicas gossip, only when Alertmanager is enabled", () => {
        const flows = (expected: boolean): Flow[] => [[POD.prometheus, POD.alertmanager, [PORTS.alertmanager, PORTS.configReloader], expected],
            [POD.grafana, POD.alertmanager, PORTS.alertmanager, expected], [POD.alertmanager, POD.alertmanager, PORTS.alertmanagerMesh, expected]];
        assertFlows(pure({ alertmanagerEnabled: true }), [...flows(true), [POD.application, POD.alertmanager, PORTS.alertmanager, false],
            [POD.alloy, POD.alertmanager, PORTS.alertmanager, false]]);
        assertFlows(pure({ alertmanagerEnabled: false }), flows(false));
        assert.ok(!JSON.stringify(networkPolicySpecs({ ...specArgs(loadStack("dev").config), alertmanagerEnabled: false })).includes("alertmanager"));
    });

    it("lets the ingress controller reach Prometheus only when Prometheus has a host", () => {
        const { config } = loadStack("staging", { prometheus: '{"host":"prometheus.staging.example.com"}' });
        assertFlows(inNamespace(networkPolicySpecs(specArgs(config))), [[POD.ingressController, POD.prometheus, PORTS.prometheus, true],
            [POD.application, POD.prometheus, PORTS.prometheus, false]]);
        assertFlows(pure({ prometheusIngressEnabled: false }), [[POD.ingressController, POD.prometheus, PORTS.prometheus, false]]);
    });

    it("opens the operator's webhook port to the API server because the chart serves the webhook from the operator", () => {
        const values = prometheusValues({ ...argsForPrometheus(), namespace: NAMESPACE, nodeExporterNamespace: "x" });
        const effective = (p: string) => effectiveValue(values, kps, p);
        assert.strictEqual(effective("prometheusOperator.admissionWebhooks.enabled"), true);
        assert.strictEqual(effective("prometheusOperator.admissionWebhooks.deployment.enabled"), false);
        assert.strictEqual(effective("prometheusOperator.tls.enabled"), true);
        assertFlows(pure(), [[API_SERVER, POD.operator, tcp(effective("prometheusOperator.tls.internalPort") as number), true],
            [API_SERVER, POD.operator, PORTS.prometheus, false]]);
    });

    it("follows the configured ingress controller namespace", () => {
        const { config } = loadStack("dev", { ingress: '{"controllerNamespace":"traefik"}' });
        const traefik = pod("traefik", { "app.kubernetes.io/name": "traefik" }, "traefik");
        assertFlows(inNamespace(networkPolicySpecs(specArgs(config))), [[traefik, POD.grafana, PORTS.grafana, true],
            [POD.ingressController, POD.grafana, PORTS.grafana, false]]);
    });
});

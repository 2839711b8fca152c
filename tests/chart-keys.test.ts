import "./helpers/pulumi";
import * as assert from "assert";
import { CHARTS } from "../components/charts";
import { chartReference, documentedPaths, unknownValuePaths } from "../scripts/lib/chartKeys";

// The checker every chart-values test relies on: it must accept real keys and catch typos.
describe("chart key checker", () => {
    const grafana = chartReference("grafana", CHARTS.grafana.version);
    const kubePrometheusStack = chartReference("kube-prometheus-stack", CHARTS.kubePrometheusStack.version);

    it("accepts keys from the defaults, from templates and from documenting comments", () => {
        assert.deepStrictEqual(unknownValuePaths(grafana, {
            replicas: 2,
            persistence: { enabled: true, storageClassName: "fast" },
            adminPassword: "documented-in-a-comment",
            admin: { existingSecret: "grafana-admin" },
        }), []);
    });

    it("accepts anything below a default that is an empty map, a list or null", () => {
        assert.deepStrictEqual(unknownValuePaths(grafana, { podDisruptionBudget: { minAvailable: 1 }, affinity: { podAntiAffinity: {} } }), []);
    });

    it("catches misspelt keys at the top and deep inside", () => {
        assert.deepStrictEqual(unknownValuePaths(grafana, { replica: 2, persistence: { enabeld: true }, admin: { existingSecrets: "x" } }),
            ["replica", "persistence.enabeld", "admin.existingSecrets"]);
    });

    it("accepts a map the defaults lack when templates read its keys, and still checks those keys", () => {
        const tempoDistributed = chartReference("tempo-distributed", CHARTS.tempoDistributed.version);
        assert.deepStrictEqual(unknownValuePaths(tempoDistributed, { backendWorker: { podDisruptionBudget: { enabled: true } } }), []);
        assert.deepStrictEqual(unknownValuePaths(tempoDistributed, { backendWorker: { podDisruptionBudget: { enabeld: true } } }),
            ["backendWorker.podDisruptionBudget.enabeld"]);
    });

    it("catches a map set where the chart expects a scalar", () => {
        assert.deepStrictEqual(unknownValuePaths(grafana, { replicas: { count: 2 } }), ["replicas.count"]);
    });

    it("checks subchart values against the subchart's own defaults", () => {
        assert.deepStrictEqual(unknownValuePaths(kubePrometheusStack, { "kube-state-metrics": { resources: { requests: { cpu: "10m" } } } }), []);
        assert.deepStrictEqual(unknownValuePaths(kubePrometheusStack, { "prometheus-node-exporter": { resourcez: {} } }), ["prometheus-node-exporter.resourcez"]);
    });

    it("passes maps the chart renders verbatim only when told to", () => {
        const ini = { "grafana.ini": { "auth.anonymous": { enabled: false } } };
        assert.deepStrictEqual(unknownValuePaths(grafana, ini), ["grafana.ini.auth.anonymous"]);
        assert.deepStrictEqual(unknownValuePaths(grafana, ini, ["grafana.ini"]), []);
    });

    it("reads nested documenting comments with their indentation", () => {
        const documented = documentedPaths("top:\n  real: 1\n  # commented: x\n  # block:\n  #   inner: y\nother: 2\n# rootLevel: z\n");
        assert.deepStrictEqual([...documented].sort(), ["rootLevel", "top.block", "top.block.inner", "top.commented"]);
    });
});

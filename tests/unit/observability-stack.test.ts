import * as assert from "assert";
import { ObservabilityStack } from "../../components/ObservabilityStack";
import { captureResources, type RecordedResource, unwrapSecrets } from "../helpers/pulumi";
import { loadStack } from "../helpers/stacks";

let builds = 0;
async function build(stack: string, overrides: Record<string, string> = {}): Promise<RecordedResource[]> {
    const { config, secrets } = loadStack(stack, overrides);
    return captureResources(() => new ObservabilityStack(`wiring-${builds++}`, { config, secrets }));
}

const release = (resources: RecordedResource[], name: string) =>
    unwrapSecrets(resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === name)!.inputs) as Record<string, any>;
const datasource = (resources: RecordedResource[], uid: string) =>
    unwrapSecrets(resources.find((r) => r.type === "grafana:oss/dataSource:DataSource" && r.inputs.uid === uid)?.inputs) as Record<string, any> | undefined;

describe("ObservabilityStack wiring", () => {
    it("multi-tenant Loki: the collector writes and Grafana reads the same tenant; single tenant sends none", async () => {
        const single = await build("dev");
        assert.doesNotMatch(release(single, "alloy").values.alloy.configMap.content, /tenant_id/);
        assert.strictEqual(datasource(single, "loki")!.httpHeaders, undefined);

        const multi = await build("dev", { loki: JSON.stringify({ multiTenant: true }) });
        const written = /tenant_id\s*=\s*"([^"]+)"/.exec(release(multi, "alloy").values.alloy.configMap.content)?.[1];
        assert.ok(written, "the collector sends a tenant");
        assert.deepStrictEqual(datasource(multi, "loki")!.httpHeaders, { "X-Scope-OrgID": written });
        assert.strictEqual(release(multi, "loki").values.loki.auth_enabled, true);
    });

    it("Tempo's metrics generator writes to every Prometheus replica (production runs two)", async () => {
        const resources = await build("production");
        const text = JSON.stringify(release(resources, "tempo").values);
        for (const ordinal of [0, 1])
            assert.match(text, new RegExp(`prometheus-prometheus-${ordinal}\\.prometheus-operated\\.monitoring\\.svc\\.cluster\\.local:9090/api/v1/write`));
    });

    it("adds the Alertmanager datasource, at the chart's Alertmanager Service (every stack runs it for kube-prometheus-stack's alerts)", async () => {
        for (const stack of ["dev", "production"]) {
            assert.strictEqual(datasource(await build(stack), "alertmanager")!.url, "http://prometheus-alertmanager.monitoring.svc.cluster.local:9093", stack);
        }
    });

    it("points every datasource at the in-cluster Service of its release", async () => {
        const resources = await build("production");
        assert.strictEqual(datasource(resources, "prometheus")!.url, "http://prometheus-prometheus.monitoring.svc.cluster.local:9090");
        assert.strictEqual(datasource(resources, "loki")!.url, "http://loki-gateway.monitoring.svc.cluster.local:80");
        assert.strictEqual(datasource(resources, "tempo")!.url, "http://tempo-query-frontend.monitoring.svc.cluster.local:3200");
    });
});

import "../helpers/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CHARTS } from "../../components/charts";
import {
    DASHBOARDS_DIR,
    importedDashboards,
    importedModel,
    KUBE_PROMETHEUS_DASHBOARDS,
    type VendoredDashboards,
} from "../../components/grafana/dashboards/imported";
import { DATASOURCE_UIDS } from "../../components/grafana/uids";
import { renderedKubePrometheusDashboards } from "../../scripts/lib/kubePrometheusDashboards";
import { committedStackManifests } from "../../scripts/lib/stackManifests";
import { STACK_NAMES } from "../helpers/stacks";

// kube-prometheus-stack's standard dashboards in our Grafana: vendored from the pinned chart as Helm renders
// them, bound to our Prometheus, and reading only recording rules the stack's Prometheus evaluates.
const directory = path.join(DASHBOARDS_DIR, "kube-prometheus-stack");
const index = JSON.parse(fs.readFileSync(path.join(directory, "VENDORED.json"), "utf8")) as VendoredDashboards;
const vendored = importedDashboards().filter((d) => d.folder === "kubePrometheusStack");

/** Every PromQL expression of a dashboard model (panel targets, nested rows included, and variable queries). */
function expressions(model: any): string[] {
    const panels = (list: any[] = []): any[] => list.flatMap((panel) => [panel, ...panels(panel.panels)]);
    const targets = panels(model.panels)
        .flatMap((panel) => (panel.targets ?? []).map((target: any) => target.expr))
        .filter(Boolean);
    const variables = (model.templating?.list ?? []).map((v: any) => (typeof v.query === "string" ? v.query : v.query?.query)).filter(Boolean);
    return [...targets, ...variables];
}

describe("kube-prometheus-stack's dashboards (dashboards/kube-prometheus-stack)", function () {
    this.timeout(300_000);

    it(`are exactly what kube-prometheus-stack ${CHARTS.kubePrometheusStack.version} renders (npm run dashboards:vendor after a chart upgrade)`, () => {
        assert.strictEqual(index.version, CHARTS.kubePrometheusStack.version, "vendored from another chart version: npm run dashboards:vendor");
        assert.deepStrictEqual(
            index.dashboards.map((d) => d.name),
            [...KUBE_PROMETHEUS_DASHBOARDS],
        );
        const rendered = renderedKubePrometheusDashboards();
        for (const { name } of index.dashboards) {
            const file = JSON.parse(fs.readFileSync(path.join(directory, `${name}.json`), "utf8"));
            assert.deepStrictEqual(file, rendered.get(name), `${name}.json differs from the chart's: npm run dashboards:vendor`);
        }
    });

    it("cover what kube-prometheus-stack users open first, in their own folder, under the chart's UIDs", () => {
        const titles = index.dashboards.map((d) => d.title);
        for (const expected of [
            "Kubernetes / Compute Resources / Cluster",
            "Kubernetes / Compute Resources / Namespace (Pods)",
            "Kubernetes / Compute Resources / Workload",
            "Kubernetes / Compute Resources / Pod",
            "Node Exporter / Nodes",
            "Kubernetes / Persistent Volumes",
            "Kubernetes / API server",
            "Kubernetes / Kubelet",
            "CoreDNS",
        ]) {
            assert.ok(titles.includes(expected), `${expected} is missing`);
        }
        assert.deepStrictEqual(
            vendored.map((d) => d.uid),
            index.dashboards.map((d) => d.uid),
        );
    });

    it("select our Prometheus, and every drill-down link leads to a dashboard the stack creates or a dashboard left out on purpose", () => {
        const ours = new Set(importedDashboards().map((d) => d.uid));
        const renderedUids = new Map([...renderedKubePrometheusDashboards()].map(([name, model]) => [String(model.uid), name]));
        for (const dashboard of vendored) {
            const model = importedModel(dashboard) as any;
            const variable = model.templating.list.find((v: any) => v.type === "datasource");
            assert.deepStrictEqual(variable.current.value, DATASOURCE_UIDS.prometheus, dashboard.uid);
            for (const [, uid] of JSON.stringify(model).matchAll(/\/d\/([A-Za-z0-9_-]+)/g)) {
                assert.ok(ours.has(uid) || renderedUids.has(uid), `${dashboard.file} links to /d/${uid}, which no dashboard has`);
                if (!ours.has(uid))
                    assert.match(renderedUids.get(uid)!, /multicluster|aix|darwin|controller-manager|scheduler|proxy|etcd|grafana-overview/, uid);
            }
        }
    });

    for (const stack of STACK_NAMES) {
        it(`${stack}: read only recording rules the stack's Prometheus evaluates`, () => {
            const records = new Set(
                committedStackManifests(stack)
                    .releases.flatMap((r) => r.objects)
                    .filter((o) => o.kind === "PrometheusRule")
                    .flatMap((o) => o.spec.groups.flatMap((g: any) => g.rules.map((rule: any) => rule.record)))
                    .filter(Boolean),
            );
            const missing = new Set<string>();
            for (const dashboard of vendored) {
                for (const expr of expressions(importedModel(dashboard))) {
                    // Recording rule names hold a colon (level:metric:operations, the level may be empty); raw metrics
                    // never do. The look-behind keeps subquery steps ("[5m:1m]") out.
                    for (const [name] of expr.matchAll(/(?<![A-Za-z0-9_:]):?[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_:]*[a-zA-Z0-9_]/g)) {
                        if (!records.has(name)) missing.add(`${dashboard.file}: ${name}`);
                    }
                }
            }
            assert.deepStrictEqual([...missing], []);
        });
    }
});

// Vendors kube-prometheus-stack's standard dashboards (the kubernetes-mixin and node-exporter ones its users
// open first) from the pinned chart, as `helm template` renders them, into dashboards/kube-prometheus-stack/.
// The program imports them into Grafana (components/grafana/dashboards/imported.ts); a test re-renders the
// chart and fails when the files differ, so a chart upgrade brings its dashboards with it.
//   npm run dashboards:vendor
import * as fs from "fs";
import * as path from "path";
import { CHARTS } from "../components/charts";
import { DASHBOARDS_DIR, KUBE_PROMETHEUS_DASHBOARDS, type VendoredDashboards } from "../components/grafana/dashboards/imported";
import { renderedKubePrometheusDashboards } from "./lib/kubePrometheusDashboards";

const directory = path.join(DASHBOARDS_DIR, "kube-prometheus-stack");
const rendered = renderedKubePrometheusDashboards();
fs.rmSync(directory, { recursive: true, force: true });
fs.mkdirSync(directory, { recursive: true });
const index: VendoredDashboards = { chart: "kube-prometheus-stack", version: CHARTS.kubePrometheusStack.version, dashboards: [] };
for (const name of KUBE_PROMETHEUS_DASHBOARDS) {
    const model = rendered.get(name);
    if (!model) throw new Error(`kube-prometheus-stack ${CHARTS.kubePrometheusStack.version} renders no dashboard ${name}`);
    fs.writeFileSync(path.join(directory, `${name}.json`), `${JSON.stringify(model, null, 2)}\n`);
    index.dashboards.push({ name, uid: String(model.uid), title: String(model.title) });
}
fs.writeFileSync(path.join(directory, "VENDORED.json"), `${JSON.stringify(index, null, 2)}\n`);
process.stdout.write(`wrote ${index.dashboards.length} dashboards of kube-prometheus-stack ${index.version} to ${path.relative(process.cwd(), directory)}\n`);

// kube-prometheus-stack's dashboards as the pinned chart renders them: the program's own values for the
// `prometheus` release, with the switches that make the chart write its dashboard ConfigMaps
// (templates/grafana/dashboards-1.14/*.yaml render only with grafana.forceDeployDashboards and
// grafana.defaultDashboardsEnabled). The ConfigMap key `<name>.json` holds the dashboard.
import { committedStackManifests, renderAsInstalled } from "./stackManifests";

export function renderedKubePrometheusDashboards(): Map<string, Record<string, unknown>> {
    const release = committedStackManifests("dev").releases.find((r) => r.chart === "kubePrometheusStack");
    if (!release) throw new Error("the dev stack installs no kube-prometheus-stack release");
    const values = release.values as Record<string, any>;
    const rendered = renderAsInstalled({
        ...release,
        values: { ...values, grafana: { ...values.grafana, forceDeployDashboards: true, defaultDashboardsEnabled: true } },
    });
    const dashboards = new Map<string, Record<string, unknown>>();
    for (const configMap of rendered.objects.filter((o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard !== undefined)) {
        for (const [key, text] of Object.entries((configMap.data ?? {}) as Record<string, string>)) {
            if (key.endsWith(".json")) dashboards.set(key.slice(0, -".json".length), JSON.parse(text));
        }
    }
    return dashboards;
}

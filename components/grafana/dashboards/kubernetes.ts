// "Kubernetes overview" of the cluster, from the series kube-prometheus-stack collects: kube-state-metrics
// (kube_*), node-exporter (node_*) and the kubelet's cAdvisor (container_*).
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { promQuery, row, statPanel, timeSeries, WIDTH } from "./panels";

/** cAdvisor also reports pod-level cgroups (container="") and the pause container; count real containers only. */
const CONTAINERS = `container!="", container!="POD"`;

export function kubernetesDashboard(): dashboard.DashboardBuilder {
    return new dashboard.DashboardBuilder("Kubernetes Overview")
        .tags(["kubernetes"])
        .timezone("browser")
        .refresh("1m")
        .time({ from: "now-6h", to: "now" })

        .withRow(row("Cluster"))
        .withPanel(statPanel("Nodes", units.Short, promQuery("count(kube_node_info)", { instant: true })))
        .withPanel(
            statPanel(
                "Nodes not ready",
                units.Short,
                promQuery(`count(kube_node_status_condition{condition="Ready", status="true"} == 0) or vector(0)`, { instant: true }),
                {
                    steps: [
                        [null, "green"],
                        [1, "red"],
                    ],
                },
            ),
        )
        .withPanel(statPanel("Pods running", units.Short, promQuery(`sum(kube_pod_status_phase{phase="Running"})`, { instant: true })))
        .withPanel(
            statPanel("Pods pending or failed", units.Short, promQuery(`sum(kube_pod_status_phase{phase=~"Pending|Failed"})`, { instant: true }), {
                steps: [
                    [null, "green"],
                    [1, "yellow"],
                    [5, "red"],
                ],
            }),
        )
        .withPanel(
            timeSeries(
                "Node CPU utilisation",
                units.PercentUnit,
                [promQuery(`1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[$__rate_interval]))`, { legend: "{{instance}}" })],
                { min: 0, max: 1 },
            ),
        )
        .withPanel(
            timeSeries(
                "Node memory utilisation",
                units.PercentUnit,
                [promQuery("1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", { legend: "{{instance}}" })],
                { min: 0, max: 1 },
            ),
        )

        .withRow(row("Workloads"))
        .withPanel(timeSeries("Pods by phase", units.Short, [promQuery("sum by (phase) (kube_pod_status_phase)", { legend: "{{phase}}" })], { stacked: true }))
        .withPanel(
            timeSeries("Container restarts (1h) by namespace", units.Short, [
                promQuery("sum by (namespace) (increase(kube_pod_container_status_restarts_total[1h])) > 0", { legend: "{{namespace}}" }),
            ]),
        )
        .withPanel(
            timeSeries(
                "CPU usage by namespace (cores)",
                units.Short,
                [promQuery(`sum by (namespace) (rate(container_cpu_usage_seconds_total{${CONTAINERS}}[$__rate_interval]))`, { legend: "{{namespace}}" })],
                { stacked: true },
            ),
        )
        .withPanel(
            timeSeries(
                "CPU requests by namespace (cores)",
                units.Short,
                [promQuery(`sum by (namespace) (kube_pod_container_resource_requests{resource="cpu"})`, { legend: "{{namespace}}" })],
                { stacked: true },
            ),
        )
        .withPanel(
            timeSeries(
                "Memory usage (working set) by namespace",
                units.BytesIEC,
                [promQuery(`sum by (namespace) (container_memory_working_set_bytes{${CONTAINERS}})`, { legend: "{{namespace}}" })],
                { stacked: true },
            ),
        )
        .withPanel(
            timeSeries(
                "Memory requests by namespace",
                units.BytesIEC,
                [promQuery(`sum by (namespace) (kube_pod_container_resource_requests{resource="memory"})`, { legend: "{{namespace}}" })],
                { stacked: true, width: WIDTH.half },
            ),
        );
}

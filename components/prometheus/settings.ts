// Prometheus' section of the configuration (`observability:prometheus`, Alertmanager included): its schema,
// its value in each preset, and the checks across its keys.
import type { z } from "zod";
import { type BackendSettings, bool, bytes, duration, hostname, positiveInt, prometheusSize, resources, section, size } from "../../stacks/fields";
import { prometheusSizeBytes, quantityBytes } from "../../stacks/units";

export const prometheusSettings = section({
    replicas: positiveInt(),
    retention: duration,
    retentionSize: prometheusSize,
    storageSize: bytes,
    scrapeInterval: duration,
    evaluationInterval: duration,
    resources,
    host: hostname.optional(),
    operatorResources: resources,
    nodeExporterResources: resources,
    kubeStateMetricsResources: resources,
    alertmanager: section({ enabled: bool, replicas: positiveInt(), storageSize: bytes, resources }),
});
export type PrometheusSettings = z.infer<typeof prometheusSettings>;

const dev: z.input<typeof prometheusSettings> = {
    replicas: 1,
    retention: "2d",
    retentionSize: "4GB",
    storageSize: "5Gi",
    scrapeInterval: "30s",
    evaluationInterval: "30s",
    resources: size("200m", "512Mi", "1", "1Gi"),
    operatorResources: size("20m", "48Mi", "200m", "128Mi"),
    nodeExporterResources: size("10m", "24Mi", "100m", "64Mi"),
    kubeStateMetricsResources: size("10m", "48Mi", "100m", "128Mi"),
    // kube-prometheus-stack's default alerts reach a contact point only through it (alertmanagerConfig.ts).
    alertmanager: { enabled: true, replicas: 1, storageSize: "1Gi", resources: size("10m", "32Mi", "100m", "128Mi") },
};
const staging: z.input<typeof prometheusSettings> = {
    ...dev,
    retention: "7d",
    retentionSize: "40GB",
    storageSize: "50Gi",
    scrapeInterval: "30s",
    resources: size("300m", "1Gi", "2", "3Gi"),
};
// Sized on paper for 1M active series, 100 GB of logs/day and 5k spans/s: docs/sizing.md derives the numbers
// (tests/unit/sizing.test.ts keeps them equal to its table).
const production: z.input<typeof prometheusSettings> = {
    ...staging,
    replicas: 2,
    retention: "15d",
    retentionSize: "90GB",
    storageSize: "110Gi",
    resources: size("2", "8Gi", "4", "12Gi"),
    operatorResources: size("100m", "128Mi", "500m", "256Mi"),
    kubeStateMetricsResources: size("100m", "256Mi", "500m", "512Mi"),
    // Two replicas gossip notifications and silences: one of them may restart without an alert being lost.
    alertmanager: { ...staging.alertmanager, replicas: 2 },
};

export const PROMETHEUS_SETTINGS = {
    description:
        "Replicas (HA pair in production), retention by time and size, volume size, scrape/evaluation intervals, resources of Prometheus, operator and exporters, and Alertmanager (required: kube-prometheus-stack's alerts reach contact points through it).",
    schema: prometheusSettings,
    presets: { dev, staging, production },
    check: (prometheus, _context, add) => {
        if (prometheusSizeBytes(prometheus.retentionSize) >= quantityBytes(prometheus.storageSize)) {
            add(
                ["prometheus", "retentionSize"],
                prometheus.retentionSize,
                `expected less than the volume (prometheus.storageSize ${prometheus.storageSize}), or Prometheus fills its disk before it deletes blocks`,
            );
        }
        if (!prometheus.alertmanager.enabled) {
            add(
                ["prometheus", "alertmanager", "enabled"],
                false,
                "kube-prometheus-stack's default alerts (KubePodCrashLooping, KubePersistentVolumeFillingUp, ...) are evaluated by Prometheus and " +
                    "reach a contact point only through Alertmanager (Grafana's Alertmanager cannot receive them); expected true",
            );
        }
    },
} satisfies BackendSettings<typeof prometheusSettings>;

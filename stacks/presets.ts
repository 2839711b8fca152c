// Defaults per environment. A stack's Pulumi.<stack>.yaml states only what differs from its preset.
// dev must fit a laptop cluster (≤ 1 CPU and 2 GiB requested in all); production must outgrow one machine.
import type { PresetName, Resources, StackConfigInput } from "./schema";

const size = (cpuRequest: string, memoryRequest: string, cpuLimit: string, memoryLimit: string): Resources => ({
    requests: { cpu: cpuRequest, memory: memoryRequest },
    limits: { cpu: cpuLimit, memory: memoryLimit },
});

const sharedAlerting: StackConfigInput["alerting"] = {
    disableProvenance: false,
    slack: { enabled: false, recipient: "#platform-alerts", username: "Grafana Alerts", mentionChannel: "here" },
    email: { enabled: false, addresses: ["platform-team@example.com"] },
    pagerduty: { enabled: false, class: "infrastructure", component: "grafana", group: "monitoring" },
    maintenanceWindow: {
        name: "maintenance-window", weekdays: ["sunday"], startTime: "02:00", endTime: "04:00", location: "America/New_York",
    },
};

const dev: StackConfigInput = {
    preset: "dev",
    namespace: "monitoring",
    protectData: false,
    cluster: { distribution: "kind" },
    ingress: { className: "nginx", controllerNamespace: "ingress-nginx" },
    grafana: {
        replicas: 1,
        adminUser: "admin",
        // The provider reaches a local cluster through `kubectl port-forward` (npm run up:dev starts it).
        apiUrl: "http://localhost:3000",
        resources: size("100m", "192Mi", "500m", "512Mi"),
        persistence: { enabled: true, size: "1Gi" },
        autoscaling: { enabled: false, maxReplicas: 1, targetCpuPercent: 70, targetMemoryPercent: 80 },
    },
    prometheus: {
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
        // kube-prometheus-stack's default alerts reach a contact point only through it (components/prometheus/alertmanagerConfig.ts).
        alertmanager: { enabled: true, replicas: 1, storageSize: "1Gi", resources: size("10m", "32Mi", "100m", "128Mi") },
    },
    loki: {
        mode: "Monolithic",
        retention: "3d",
        storageSize: "5Gi",
        resources: size("150m", "384Mi", "1", "1Gi"),
        components: {},
        // The chart's default chunks cache asks for ~9.8 GiB; a laptop has no room for caches at all.
        caches: { chunksMemoryMb: 0, resultsMemoryMb: 0 },
        limits: { ingestionRateMb: 4, ingestionBurstSizeMb: 8, maxGlobalStreamsPerUser: 5000 },
        multiTenant: false,
    },
    tempo: {
        mode: "monolithic",
        retention: "2d",
        storageSize: "5Gi",
        resources: size("100m", "256Mi", "1", "1Gi"),
        components: {},
        limits: { maxBytesPerTrace: 5_000_000, ingestionRateLimitBytes: 5_000_000, ingestionBurstSizeBytes: 10_000_000 },
    },
    collector: { resources: size("100m", "192Mi", "500m", "512Mi"), applicationNamespaces: ["default"] },
    alerting: sharedAlerting,
    services: [],
};

const staging: StackConfigInput = {
    ...dev,
    preset: "staging",
    // A cluster whose control-plane metrics listen on node addresses: they are scraped and alerted on.
    cluster: { distribution: "self-managed" },
    grafana: {
        ...dev.grafana,
        apiUrl: undefined,
        resources: size("200m", "256Mi", "1", "1Gi"),
        persistence: { enabled: true, size: "5Gi" },
    },
    prometheus: {
        ...dev.prometheus,
        retention: "7d",
        retentionSize: "40GB",
        storageSize: "50Gi",
        scrapeInterval: "30s",
        resources: size("300m", "1Gi", "2", "3Gi"),
    },
    loki: {
        ...dev.loki,
        retention: "7d",
        storageSize: "20Gi",
        resources: size("300m", "768Mi", "2", "2Gi"),
        caches: { chunksMemoryMb: 256, resultsMemoryMb: 64 },
        limits: { ingestionRateMb: 8, ingestionBurstSizeMb: 16, maxGlobalStreamsPerUser: 10000 },
    },
    tempo: { ...dev.tempo, retention: "7d", storageSize: "20Gi", resources: size("200m", "512Mi", "1", "2Gi") },
    collector: { ...dev.collector, resources: size("150m", "256Mi", "1", "1Gi") },
    alerting: { ...sharedAlerting, slack: { ...sharedAlerting.slack, enabled: true }, email: { ...sharedAlerting.email, enabled: true } },
};

const production: StackConfigInput = {
    ...staging,
    preset: "production",
    // Losing the TSDB, the log and trace indexes or Grafana's database is not an acceptable side effect of
    // a typo in a PR; lifting this is a deliberate, reviewed change (README, Operations).
    protectData: true,
    cluster: { distribution: "eks" },
    grafana: {
        ...staging.grafana,
        replicas: 2,
        resources: size("250m", "512Mi", "1", "1Gi"),
        // With an external database the volume only holds plugins and the image cache.
        persistence: { enabled: false, size: "5Gi" },
        autoscaling: { enabled: true, maxReplicas: 6, targetCpuPercent: 70, targetMemoryPercent: 80 },
    },
    // Sized on paper for 1M active series, 100 GB of logs/day and 5k spans/s: docs/sizing.md derives the numbers
    // (tests/sizing.test.ts keeps them equal to its table).
    prometheus: {
        ...staging.prometheus,
        replicas: 2,
        retention: "15d",
        retentionSize: "90GB",
        storageSize: "110Gi",
        resources: size("2", "8Gi", "4", "12Gi"),
        operatorResources: size("100m", "128Mi", "500m", "256Mi"),
        kubeStateMetricsResources: size("100m", "256Mi", "500m", "512Mi"),
        // Two replicas gossip notifications and silences: one of them may restart without an alert being lost.
        alertmanager: { ...staging.prometheus.alertmanager, replicas: 2 },
    },
    loki: {
        ...staging.loki,
        mode: "Distributed",
        retention: "30d",
        storageSize: "50Gi",
        components: {
            distributor: { replicas: 3, resources: size("500m", "512Mi", "2", "1Gi") },
            ingester: { replicas: 3, resources: size("1", "4Gi", "2", "8Gi") },
            querier: { replicas: 3, resources: size("500m", "1Gi", "2", "4Gi") },
            queryFrontend: { replicas: 2, resources: size("200m", "256Mi", "1", "1Gi") },
            queryScheduler: { replicas: 2, resources: size("100m", "128Mi", "500m", "512Mi") },
            indexGateway: { replicas: 2, resources: size("200m", "512Mi", "1", "2Gi") },
            compactor: { replicas: 1, resources: size("200m", "512Mi", "1", "2Gi") },
            gateway: { replicas: 2, resources: size("100m", "64Mi", "500m", "256Mi") },
        },
        caches: { chunksMemoryMb: 2048, resultsMemoryMb: 512 },
        limits: { ingestionRateMb: 10, ingestionBurstSizeMb: 20, maxGlobalStreamsPerUser: 50000 },
    },
    tempo: {
        ...staging.tempo,
        mode: "distributed",
        retention: "14d",
        storageSize: "20Gi",
        components: {
            distributor: { replicas: 2, resources: size("500m", "512Mi", "2", "2Gi") },
            liveStore: { replicas: 3, resources: size("500m", "2Gi", "2", "4Gi") },
            blockBuilder: { replicas: 3, resources: size("500m", "1Gi", "2", "2Gi") },
            querier: { replicas: 2, resources: size("500m", "1Gi", "2", "2Gi") },
            queryFrontend: { replicas: 2, resources: size("200m", "256Mi", "1", "1Gi") },
            metricsGenerator: { replicas: 2, resources: size("250m", "512Mi", "1", "2Gi") },
            backendScheduler: { replicas: 1, resources: size("100m", "128Mi", "500m", "512Mi") },
            backendWorker: { replicas: 2, resources: size("250m", "512Mi", "1", "2Gi") },
        },
        limits: { maxBytesPerTrace: 20_000_000, ingestionRateLimitBytes: 20_000_000, ingestionBurstSizeBytes: 40_000_000 },
    },
    collector: { ...staging.collector, resources: size("250m", "512Mi", "2", "2Gi") },
    alerting: { ...staging.alerting, pagerduty: { ...sharedAlerting.pagerduty, enabled: true } },
};

export const PRESETS: Record<PresetName, StackConfigInput> = { dev, staging, production };

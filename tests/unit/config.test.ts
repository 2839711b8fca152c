import "../helpers/pulumi";
import * as assert from "assert";
import { ConfigError, mergeOverrides } from "../../stacks/config";
import { PRESETS } from "../../stacks/presets";
import { loadStack, STACK_NAMES, testSecrets } from "../helpers/stacks";

/** Runs the loader and returns its error message (the test fails when the config is accepted). */
function rejection(stack: string, overrides: Record<string, unknown>, secrets = testSecrets()): string {
    const raw = Object.fromEntries(Object.entries(overrides).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]));
    try {
        loadStack(stack, raw, secrets);
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
        return error.message;
    }
    assert.fail(`config was accepted: ${JSON.stringify(overrides)}`);
}

interface BadConfig {
    what: string;
    stack?: string;
    overrides: Record<string, unknown>;
    secrets?: ReturnType<typeof testSecrets>;
    /** Fragments the one message must contain: the key, the value given, what is allowed. */
    expect: string[];
}

const BAD_CONFIGS: BadConfig[] = [
    { what: "wrong type", overrides: { grafana: { replicas: "two" } }, expect: ["observability:grafana.replicas", '"two"', "integer ≥ 1"] },
    {
        what: "unknown top-level key",
        overrides: { lokii: { retention: "1d" } },
        expect: ["observability:lokii", "unknown key", "Allowed keys: preset, namespace"],
    },
    { what: "unknown nested key", overrides: { loki: { retenion: "1d" } }, expect: ["observability:loki", '"retenion"', "Allowed keys: mode, retention"] },
    { what: "negative replicas", overrides: { grafana: { replicas: -1 } }, expect: ["observability:grafana.replicas", "-1", "integer ≥ 1"] },
    { what: "zero replicas", overrides: { prometheus: { replicas: 0 } }, expect: ["observability:prometheus.replicas", "got 0", "integer ≥ 1"] },
    { what: "malformed duration", overrides: { loki: { retention: "abc" } }, expect: ["observability:loki.retention", '"abc"', 'duration such as "30s"'] },
    { what: "zero duration", overrides: { prometheus: { retention: "0d" } }, expect: ["observability:prometheus.retention", '"0d"', "longer than zero"] },
    {
        what: "malformed size",
        overrides: { prometheus: { storageSize: "10 GB" } },
        expect: ["observability:prometheus.storageSize", '"10 GB"', 'size such as "512Mi"'],
    },
    { what: "zero size", overrides: { loki: { storageSize: "0Gi" } }, expect: ["observability:loki.storageSize", '"0Gi"', "above zero"] },
    {
        what: "Kubernetes unit in a Prometheus size",
        overrides: { prometheus: { retentionSize: "40Gi" } },
        expect: ["observability:prometheus.retentionSize", '"40Gi"', "Prometheus' format"],
    },
    {
        what: "malformed CPU",
        overrides: { grafana: { resources: { requests: { cpu: "half" } } } },
        expect: ["observability:grafana.resources.requests.cpu", '"half"', "CPU quantity"],
    },
    {
        what: "requests above limits",
        overrides: { tempo: { resources: { requests: { memory: "4Gi" } } } },
        expect: ["observability:tempo.resources.requests.memory", '"4Gi"', "at most the limit (1Gi)"],
    },
    {
        what: "retention size not below the volume",
        overrides: { prometheus: { retentionSize: "6GB" } },
        expect: ["observability:prometheus.retentionSize", '"6GB"', "storageSize 5Gi"],
    },
    {
        what: "unknown storage provider",
        stack: "production",
        overrides: { objectStorage: { provider: "minio" } },
        expect: ["observability:objectStorage.provider", '"minio"', "s3, gcs, azure"],
    },
    {
        what: "production without object storage",
        stack: "production",
        overrides: { objectStorage: null },
        expect: ["observability:objectStorage", "production needs scalable Loki and Tempo", "provider (s3, gcs or azure)"],
    },
    {
        what: "s3 without region or endpoint",
        stack: "production",
        overrides: { objectStorage: { region: null } },
        expect: ["observability:objectStorage.region", "AWS region"],
    },
    {
        what: "both credential sources",
        stack: "production",
        overrides: { objectStorage: { credentials: { existingSecret: "s3-keys" } } },
        expect: ["observability:objectStorage.credentials", "exactly one of existingSecret"],
    },
    {
        what: "distributed Tempo without Kafka",
        stack: "production",
        overrides: { tempo: { kafka: null } },
        expect: ["observability:tempo.kafka", "Kafka", "{address, topic, partitions}"],
    },
    {
        what: "distributed Loki missing a component",
        stack: "production",
        overrides: { loki: { components: { indexGateway: null } } },
        expect: ["observability:loki.components.indexGateway", "got nothing", "every component"],
    },
    {
        what: "distributed Loki with one distributor",
        stack: "production",
        overrides: { loki: { components: { distributor: { replicas: 1 } } } },
        expect: ["observability:loki.components.distributor.replicas", "got 1", "at least 2"],
    },
    {
        what: "distributed Loki with two ingesters",
        stack: "production",
        overrides: { loki: { components: { ingester: { replicas: 2 } } } },
        expect: ["observability:loki.components.ingester.replicas", "got 2", "replication factor 3"],
    },
    {
        what: "distributed Tempo missing a component",
        stack: "production",
        overrides: { tempo: { components: { querier: null } } },
        expect: ["observability:tempo.components.querier", "got nothing", "every component"],
    },
    {
        what: "two Tempo backend schedulers",
        stack: "production",
        overrides: { tempo: { components: { backendScheduler: { replicas: 2 } } } },
        expect: ["observability:tempo.components.backendScheduler.replicas", "got 2", "exactly one backend scheduler"],
    },
    {
        what: "live-stores not matching the Kafka partitions",
        stack: "production",
        overrides: { tempo: { components: { liveStore: { replicas: 4 } } } },
        expect: ["observability:tempo.components.liveStore.replicas", "got 4", "tempo.kafka.partitions (3)"],
    },
    {
        what: "HA Grafana without a database",
        overrides: { grafana: { replicas: 2 } },
        expect: ["observability:grafana.database", "2 replicas", "external PostgreSQL"],
    },
    {
        what: "autoscaled Grafana without a database",
        overrides: { grafana: { autoscaling: { enabled: true, maxReplicas: 3 } } },
        expect: ["observability:grafana.database", "autoscaling"],
    },
    {
        what: "Slack enabled without its token",
        stack: "staging",
        overrides: {},
        secrets: testSecrets(["smtpPassword"]),
        expect: ["observability:slackToken", "pulumi config set --secret slackToken"],
    },
    {
        what: "PagerDuty enabled without its key",
        stack: "production",
        overrides: {},
        secrets: testSecrets(["slackToken", "smtpPassword", "grafanaDatabasePassword"]),
        expect: ["observability:pagerdutyIntegrationKey", "pulumi config set --secret pagerdutyIntegrationKey"],
    },
    {
        what: "database without its password",
        stack: "production",
        overrides: {},
        secrets: testSecrets(["slackToken", "smtpPassword", "pagerdutyIntegrationKey"]),
        expect: ["observability:grafanaDatabasePassword", "pulumi config set --secret grafanaDatabasePassword"],
    },
    {
        what: "email enabled without SMTP",
        overrides: { alerting: { email: { enabled: true } } },
        expect: ["observability:grafana.smtp", "alerting.email.enabled"],
    },
    { what: "bad hostname", overrides: { grafana: { host: "Grafana_Example" } }, expect: ["observability:grafana.host", '"Grafana_Example"', "DNS hostname"] },
    { what: "bad namespace", overrides: { namespace: "Monitoring" }, expect: ["observability:namespace", '"Monitoring"', "Kubernetes name"] },
    {
        what: "bad time zone",
        overrides: { alerting: { maintenanceWindow: { location: "Mars/Olympus" } } },
        expect: ["observability:alerting.maintenanceWindow.location", '"Mars/Olympus"', "IANA time zone"],
    },
    {
        what: "a time zone in the wrong case",
        overrides: { alerting: { maintenanceWindow: { location: "america/new_york" } } },
        expect: ["observability:alerting.maintenanceWindow.location", '"america/new_york"', "case-sensitive", '"America/New_York"'],
    },
    {
        what: "bad weekday",
        overrides: { alerting: { maintenanceWindow: { weekdays: ["funday"] } } },
        expect: ["observability:alerting.maintenanceWindow.weekdays[0]", '"funday"', "monday, tuesday"],
    },
    {
        what: "bad time of day",
        overrides: { alerting: { maintenanceWindow: { startTime: "2am" } } },
        expect: ["observability:alerting.maintenanceWindow.startTime", '"2am"', '"HH:MM"'],
    },
    {
        what: "window ending before it starts",
        overrides: { alerting: { maintenanceWindow: { startTime: "04:00", endTime: "02:00" } } },
        expect: ["observability:alerting.maintenanceWindow.endTime", '"02:00"', "after startTime (04:00)"],
    },
    {
        what: "duplicate service names",
        overrides: {
            services: [1, 2].map(() => ({
                name: "checkout",
                namespace: "shop",
                team: "payments",
                availabilityObjective: 99.9,
                latencyObjective: 95,
                latencyThresholdMs: 300,
            })),
        },
        expect: ["observability:services[1].name", '"checkout"', "unique service name"],
    },
    {
        what: "an ownDashboard that is not a boolean",
        overrides: {
            services: [
                {
                    name: "checkout",
                    namespace: "shop",
                    team: "payments",
                    availabilityObjective: 99.9,
                    latencyObjective: 95,
                    latencyThresholdMs: 300,
                    ownDashboard: "yes",
                },
            ],
        },
        expect: ["observability:services[0].ownDashboard", "expected true or false", "SLO dashboard of its own"],
    },
    {
        what: "SLO objective of 100%",
        overrides: {
            services: [{ name: "checkout", namespace: "shop", team: "payments", availabilityObjective: 100, latencyObjective: 95, latencyThresholdMs: 300 }],
        },
        expect: ["observability:services[0].availabilityObjective", "got 100", "between 0 and 100 (exclusive)"],
    },
    {
        what: "SLO objective out of range",
        overrides: {
            services: [{ name: "checkout", namespace: "shop", team: "payments", availabilityObjective: 99.9, latencyObjective: 150, latencyThresholdMs: 300 }],
        },
        expect: ["observability:services[0].latencyObjective", "got 150", "between 0 and 100"],
    },
    {
        what: "SLO objective too loose to ever page",
        overrides: {
            services: [{ name: "checkout", namespace: "shop", team: "payments", availabilityObjective: 90, latencyObjective: 95, latencyThresholdMs: 300 }],
        },
        expect: ["observability:services[0].availabilityObjective", "got 90", "expected at least 93.06", "never page"],
    },
    {
        what: "a misspelt top-level key, with the key meant",
        overrides: { lokii: { retention: "1d" } },
        expect: ["observability:lokii", 'did you mean "loki"?'],
    },
    {
        what: "a misspelt nested key, with the key meant",
        overrides: { loki: { retenion: "1d" } },
        expect: ["observability:loki", '"retenion"', 'did you mean "retention"?'],
    },
    {
        what: "a key at the wrong level, with where it belongs",
        overrides: { retention: "7d" },
        expect: ["observability:retention", "belongs at observability:prometheus.retention"],
    },
    {
        what: "a nested key at the wrong level",
        overrides: { grafana: { storageSize: "1Gi" } },
        expect: ["observability:grafana", '"storageSize"', "belongs at observability:prometheus.storageSize"],
    },
    { what: "a quoted number", overrides: { grafana: { replicas: "2" } }, expect: ["observability:grafana.replicas", '"2"', "remove the quotes"] },
    {
        what: "a quoted boolean",
        overrides: { alerting: { slack: { enabled: "true" } } },
        expect: ["observability:alerting.slack.enabled", "remove the quotes: true"],
    },
    {
        what: "a list given as one string",
        overrides: { alerting: { maintenanceWindow: { weekdays: "saturday, sunday" } } },
        expect: ["observability:alerting.maintenanceWindow.weekdays", "use a YAML list", '"- saturday"'],
    },
    {
        what: "an objective written as a fraction",
        overrides: {
            services: [{ name: "checkout", namespace: "shop", team: "payments", availabilityObjective: 0.999, latencyObjective: 95, latencyThresholdMs: 300 }],
        },
        expect: ["observability:services[0].availabilityObjective", "got 0.999", "percentages: 99.9, not 0.999"],
    },
    {
        what: "an ingress host without a certificate source",
        stack: "staging",
        overrides: { ingress: { clusterIssuer: null } },
        expect: ["observability:ingress.clusterIssuer", "grafana.host is set but nothing provides the TLS certificate", "ingress.tlsSecretName"],
    },
    {
        what: "both an issuer and an existing TLS Secret",
        stack: "staging",
        overrides: { ingress: { tlsSecretName: "wildcard-tls" } },
        expect: ["observability:ingress.tlsSecretName", '"wildcard-tls"', "not both"],
    },
    {
        what: "EKS without a StorageClass",
        stack: "production",
        overrides: { cluster: { storageClass: null } },
        expect: ["observability:cluster.storageClass", "EKS clusters have had no default StorageClass since Kubernetes 1.30", "EBS CSI driver"],
    },
    {
        what: "Alertmanager turned off",
        overrides: { prometheus: { alertmanager: { enabled: false } } },
        expect: ["observability:prometheus.alertmanager.enabled", "KubePodCrashLooping", "reach a contact point only through Alertmanager"],
    },
    {
        what: "an unknown distribution",
        overrides: { cluster: { distribution: "openshift" } },
        expect: ["observability:cluster.distribution", '"openshift"', "kind, k3d, minikube"],
    },
    {
        what: "a stack that is not a preset, with no preset set",
        stack: "qa",
        overrides: {},
        expect: ["observability:preset", 'stack "qa"', "dev, staging, production"],
    },
    { what: "unknown preset", overrides: { preset: "prod" }, expect: ["observability:preset", '"prod"', "dev, staging, production"] },
];

describe("stack configuration", () => {
    it("loads every committed stack", () => {
        for (const stack of STACK_NAMES) assert.strictEqual(loadStack(stack).config.preset, stack);
    });

    it("states only overrides in Pulumi.<stack>.yaml: presets fill in the rest", () => {
        const staging = loadStack("staging").config;
        assert.strictEqual(staging.grafana.host, "grafana.staging.example.com");
        assert.deepStrictEqual(staging.prometheus.resources, PRESETS.staging.prometheus.resources);
    });

    it("merges objects key by key, replaces arrays and scalars, and removes a preset value with null", () => {
        const base = { a: { b: 1, c: 2 }, list: [1, 2], keep: "x", drop: { y: 1 } };
        assert.deepStrictEqual(mergeOverrides(base, { a: { c: 3 }, list: [9], drop: null }), { a: { b: 1, c: 3 }, list: [9], keep: "x" });
    });

    it("lets a stack of any name pick a preset", () => {
        const smtp = { host: "smtp.example.com:587", fromAddress: "grafana@example.com", user: "grafana" };
        const config = loadStack("qa", { preset: "staging", grafana: JSON.stringify({ smtp }) }).config;
        assert.strictEqual(config.preset, "staging");
        assert.strictEqual(config.prometheus.retention, PRESETS.staging.prometheus.retention);
    });

    it("has at least 20 distinct bad configs in its table", () => {
        assert.ok(BAD_CONFIGS.length >= 20, `only ${BAD_CONFIGS.length}`);
    });

    it("reports every mistake in one run: unknown keys, schema errors and cross-checks together", () => {
        const message = rejection(
            "staging",
            {
                lokii: { retention: "1d" }, // unknown top-level key
                loki: { retenion: "1d" }, // unknown nested key
                grafana: { replicas: "two" }, // wrong type
                prometheus: { retentionSize: "6GB", replicas: "1" }, // cross-check with the volume; quoted number
                alerting: { maintenanceWindow: { startTime: "04:00", endTime: "02:00" } }, // cross-check of two keys
            },
            testSecrets(["smtpPassword"]),
        ); // Slack on without its token
        const problems = message.split("\n").filter((line) => line.startsWith("  - "));
        for (const key of [
            "observability:lokii:",
            "observability:loki:",
            "observability:grafana.replicas:",
            "observability:prometheus.replicas:",
            "observability:alerting.maintenanceWindow.endTime:",
            "observability:slackToken:",
        ]) {
            assert.ok(
                problems.some((line) => line.includes(key)),
                `no problem for ${key} in:\n${message}`,
            );
        }
        assert.ok(problems.length >= 6, message);
    });

    for (const bad of BAD_CONFIGS) {
        it(`rejects ${bad.what}`, () => {
            const message = rejection(bad.stack ?? "dev", bad.overrides, bad.secrets);
            for (const fragment of bad.expect) assert.ok(message.includes(fragment), `message lacks ${JSON.stringify(fragment)}:\n${message}`);
        });
    }
});

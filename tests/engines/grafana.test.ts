import * as assert from "assert";
import { CHARTS } from "../../components/charts";
import { Grafana, type GrafanaArgs } from "../../components/grafana/Grafana";
import { captureResources, isSecret, outputValue, type RecordedResource, SECRET_SIG, unwrapSecrets } from "../helpers/pulumi";
import { loadStack, STACK_NAMES, TEST_SECRET_VALUES } from "../helpers/stacks";
import { chartReference, unknownValuePaths } from "../support/chartKeys";

interface Built {
    grafana: Grafana;
    resources: RecordedResource[];
}

async function build(stack: string, overrides: Record<string, string> = {}): Promise<Built> {
    const { config, secrets } = loadStack(stack, overrides);
    const args: GrafanaArgs = {
        namespace: config.namespace,
        settings: config.grafana,
        ingress: config.ingress,
        storageClass: config.cluster.storageClass,
        databasePassword: secrets.grafanaDatabasePassword,
        smtpPassword: secrets.smtpPassword,
    };
    let grafana: Grafana | undefined;
    const resources = await captureResources(() => {
        grafana = new Grafana(`grafana-${stack}-${Object.keys(overrides).length}`, args);
    });
    return { grafana: grafana!, resources };
}

const release = (resources: RecordedResource[]) => {
    const found = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    assert.strictEqual(found.length, 1);
    return found[0].inputs;
};
const secretNamed = (resources: RecordedResource[], name: string) =>
    resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata?.name === name)?.inputs;

describe("Grafana", () => {
    const built: Record<string, Built> = {};
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = await build(stack);
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it("installs the pinned chart from its https repository with rollback on failure", () => {
                const inputs = release(built[stack].resources);
                assert.strictEqual(inputs.chart, "grafana");
                assert.strictEqual(inputs.version, CHARTS.grafana.version);
                assert.match(inputs.repositoryOpts.repo, /^https:\/\//);
                assert.strictEqual(inputs.name, "grafana");
                assert.deepStrictEqual([inputs.atomic, inputs.cleanupOnFail], [true, true]);
                assert.ok(inputs.timeout > 0 && inputs.maxHistory > 0);
            });

            it("sets only real keys of the chart (grafana.ini is Grafana's own file)", () => {
                const values = release(built[stack].resources).values;
                assert.deepStrictEqual(unknownValuePaths(chartReference("grafana", CHARTS.grafana.version), values, ["grafana.ini"]), []);
            });

            it("takes the admin credentials from a Secret it creates, never from a value", () => {
                const { resources } = built[stack];
                const values = release(resources).values;
                assert.strictEqual(values.adminPassword, undefined);
                assert.strictEqual(values.admin.existingSecret, "grafana-admin");
                const adminSecret = secretNamed(resources, "grafana-admin");
                assert.ok(adminSecret, "no grafana-admin Secret");
                assert.ok(SECRET_SIG in adminSecret.stringData, "the admin Secret's data is not a Pulumi secret");
                const password = resources.find((r) => r.type === "random:index/randomPassword:RandomPassword");
                assert.ok(password && password.inputs.length >= 24, "admin password shorter than 24 characters");
            });

            it("keeps every secret out of the Helm values", () => {
                const text = JSON.stringify(release(built[stack].resources).values);
                assert.ok(!text.includes(SECRET_SIG), "a secret inside the values hides the whole release diff");
                for (const secret of Object.values(TEST_SECRET_VALUES)) assert.ok(!text.includes(secret));
                assert.ok(!text.includes("p".repeat(32)), "the generated admin password leaked into values");
            });

            it("turns anonymous access and sign-up off", () => {
                const ini = release(built[stack].resources).values["grafana.ini"];
                assert.strictEqual(ini["auth.anonymous"].enabled, false);
                assert.strictEqual(ini.users.allow_sign_up, false);
                assert.strictEqual(ini.security.allow_embedding, false);
            });

            it("gives the container and its init container requests and limits", () => {
                const values = release(built[stack].resources).values;
                for (const resources of [values.resources, values.initChownData.resources]) {
                    assert.ok(resources.requests.cpu && resources.requests.memory && resources.limits.cpu && resources.limits.memory);
                }
                assert.strictEqual(values.testFramework.enabled, false);
            });
        });
    }

    it("dev: no ingress; root_url and the URL output are in-cluster; the provider goes through a port-forward", async () => {
        const { grafana, resources } = built.dev;
        const values = release(resources).values;
        assert.strictEqual(values.ingress.enabled, false);
        assert.strictEqual(values["grafana.ini"].server.root_url, "http://grafana.monitoring.svc.cluster.local");
        assert.strictEqual(await outputValue(grafana.url), "http://grafana.monitoring.svc.cluster.local");
        assert.strictEqual(await outputValue(grafana.apiUrl), "http://localhost:3000");
        assert.strictEqual(values.persistence.enabled, true);
        // An uninstall must not take the SQLite database (dev keeps its state there) with it.
        assert.strictEqual(values.persistence.annotations["helm.sh/resource-policy"], "keep");
    });

    it("staging: ingress with the host, TLS and the cert-manager issuer; secure cookies; external URL", async () => {
        const { grafana, resources } = built.staging;
        const values = release(resources).values;
        assert.strictEqual(values.ingress.enabled, true);
        assert.strictEqual(values.ingress.ingressClassName, "nginx");
        assert.deepStrictEqual(values.ingress.hosts, ["grafana.staging.example.com"]);
        assert.deepStrictEqual(values.ingress.tls, [{ secretName: "grafana-tls", hosts: ["grafana.staging.example.com"] }]);
        assert.strictEqual(values.ingress.annotations["cert-manager.io/cluster-issuer"], "letsencrypt-prod");
        assert.strictEqual(values["grafana.ini"].server.root_url, "https://grafana.staging.example.com");
        assert.strictEqual(values["grafana.ini"].security.cookie_secure, true);
        assert.strictEqual(await outputValue(grafana.url), "https://grafana.staging.example.com");
        assert.strictEqual(await outputValue(grafana.apiUrl), "https://grafana.staging.example.com");
    });

    it("staging: SMTP credentials come from a Secret the chart reads", () => {
        const { resources } = built.staging;
        const values = release(resources).values;
        assert.strictEqual(values.smtp.existingSecret, "grafana-smtp");
        assert.strictEqual(values["grafana.ini"].smtp.host, "smtp.example.com:587");
        // The SMTP password only over TLS, as Alertmanager's email receiver sends it (smtp_require_tls).
        assert.strictEqual(values["grafana.ini"].smtp.startTLS_policy, "MandatoryStartTLS");
        const smtpSecret = secretNamed(resources, "grafana-smtp");
        assert.ok(smtpSecret && SECRET_SIG in smtpSecret.stringData);
        assert.strictEqual((unwrapSecrets(smtpSecret.stringData) as Record<string, string>).password, TEST_SECRET_VALUES.smtpPassword);
    });

    it("production: two or more replicas on PostgreSQL, password from a Secret, gossip between replicas, spread and PDB", () => {
        const { resources } = built.production;
        const values = release(resources).values;
        assert.ok(values.replicas >= 2);
        assert.deepStrictEqual(values["grafana.ini"].database, {
            type: "postgres",
            host: "grafana-db.example.internal:5432",
            name: "grafana",
            user: "grafana",
            ssl_mode: "require",
        });
        assert.strictEqual(values["grafana.ini"].database.password, undefined);
        assert.deepStrictEqual(values.envFromSecrets, [{ name: "grafana-database" }]);
        const databaseSecret = secretNamed(resources, "grafana-database");
        assert.ok(databaseSecret && SECRET_SIG in databaseSecret.stringData);
        assert.strictEqual(
            (unwrapSecrets(databaseSecret.stringData) as Record<string, string>).GF_DATABASE_PASSWORD,
            TEST_SECRET_VALUES.grafanaDatabasePassword,
        );
        assert.strictEqual(values.headlessService, true);
        assert.strictEqual(values["grafana.ini"].unified_alerting.ha_peers, "grafana-headless.monitoring.svc.cluster.local:9094");
        assert.deepStrictEqual(values.podDisruptionBudget, { minAvailable: 1 });
        assert.ok(values.affinity.podAntiAffinity);
        assert.strictEqual(values.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
        assert.strictEqual(values.autoscaling.enabled, true);
        assert.strictEqual(values.autoscaling.minReplicas, values.replicas);
    });

    it("single-replica stacks run no gossip, PDB or autoscaler", () => {
        const values = release(built.staging.resources).values;
        assert.strictEqual(values.headlessService, false);
        assert.strictEqual(values["grafana.ini"].unified_alerting, undefined);
        assert.deepStrictEqual(values.podDisruptionBudget, {});
        assert.strictEqual(values.autoscaling.enabled, false);
    });

    it("exports the admin password only as a secret", async () => {
        const password = built.dev.grafana.adminPassword;
        assert.strictEqual(await isSecret(password), true);
    });

    it("uses the configured storage class for its volume", async () => {
        const { resources } = await build("dev", { cluster: JSON.stringify({ storageClass: "fast-ssd" }) });
        assert.strictEqual(release(resources).values.persistence.storageClassName, "fast-ssd");
    });
});

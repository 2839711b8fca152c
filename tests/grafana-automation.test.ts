import { type RecordedResource, SECRET_SIG, captureResources, unwrapSecrets, valueOf } from "./helpers/pulumi";
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { GrafanaAutomation } from "../components/GrafanaAutomation";
import { GrafanaContent } from "../components/GrafanaContent";
import { loadStack } from "./helpers/stacks";

const ADMIN_PASSWORD = "admin-password-5d1c9e";
const API_URL = "http://localhost:3000";
const PROVIDER_TYPE = "pulumi:providers:grafana";

/** Stands for the Grafana Helm release, which the bootstrap provider must wait for. */
class StandInRelease extends pulumi.CustomResource {
    constructor(name: string) { super("kubernetes:helm.sh/v3:Release", name, {}); }
}

interface Seen { type: string; name: string; opts: pulumi.ResourceOptions; resource: pulumi.Resource }

describe("GrafanaAutomation", () => {
    let resources: RecordedResource[];
    let release: StandInRelease;
    let automation: GrafanaAutomation;
    const seen: Seen[] = [];
    /** `urn::id` of each provider, as resources refer to it, to its recorded registration. */
    const providersByRef = new Map<string, RecordedResource>();

    before(async () => {
        const { config } = loadStack("production");
        const record: pulumi.ResourceTransformation = ({ type, name, opts, resource }) => { seen.push({ type, name, opts, resource }); return undefined; };
        resources = await captureResources(() => {
            release = new StandInRelease("automation-grafana-release");
            automation = new GrafanaAutomation("automation", {
                apiUrl: API_URL, adminUser: "admin", adminPassword: pulumi.secret(ADMIN_PASSWORD), grafanaRelease: release,
            }, { transformations: [record] });
            // As the ObservabilityStack wires it: the content only gets the automation's provider.
            new GrafanaContent("automation-content", {
                grafanaUrl: "https://grafana.example.com", prometheusUrl: "http://p:9090", lokiUrl: "http://l:3100", tempoUrl: "http://t:3200",
                alertmanagerUrl: "http://a:9093", alertmanagerEnabled: true,
                scrapeInterval: config.prometheus.scrapeInterval, namespace: config.namespace, services: config.services,
            }, { providers: [automation.provider], transformations: [record] });
        });
        for (const { type, name, resource } of seen) {
            if (type !== PROVIDER_TYPE) continue;
            const custom = resource as pulumi.CustomResource;
            const ref = `${await valueOf(custom.urn)}::${await valueOf(custom.id)}`;
            providersByRef.set(ref, resources.find((r) => r.type === PROVIDER_TYPE && r.name === name)!);
        }
    });

    const one = (type: string) => {
        const found = resources.filter((r) => r.type === type);
        assert.strictEqual(found.length, 1, `expected one ${type}`);
        return found[0];
    };
    const providerOf = (resource: RecordedResource) => {
        const provider = resource.provider && providersByRef.get(resource.provider);
        assert.ok(provider, `${resource.name} uses no provider registered here (${resource.provider})`);
        return provider;
    };
    const serviceAccount = () => one("grafana:oss/serviceAccount:ServiceAccount");
    const token = () => one("grafana:oss/serviceAccountToken:ServiceAccountToken");
    const bootstrap = () => providerOf(serviceAccount());
    const tokenProviderRef = async () => `${await valueOf(automation.provider.urn)}::${await valueOf(automation.provider.id)}`;

    it("logs in as admin, with the password as a secret, only once the Grafana release is ready", () => {
        const provider = bootstrap();
        assert.strictEqual(provider.inputs.url, API_URL);
        assert.ok(provider.inputs.auth && SECRET_SIG in provider.inputs.auth, "the admin credentials are not a secret");
        assert.strictEqual(unwrapSecrets(provider.inputs.auth), `admin:${ADMIN_PASSWORD}`);
        const opts = seen.find((s) => s.type === PROVIDER_TYPE && s.name === provider.name)!.opts;
        const dependsOn = ([] as unknown[]).concat(opts.dependsOn ?? []);
        assert.ok(dependsOn.includes(release), "the bootstrap provider does not wait for the Grafana release");
    });

    it("creates an Admin service account and its token through the bootstrap provider", () => {
        assert.strictEqual(serviceAccount().inputs.role, "Admin");
        assert.strictEqual(serviceAccount().inputs.isDisabled, false);
        assert.strictEqual(token().inputs.serviceAccountId, `${serviceAccount().name}-id`);
        assert.strictEqual(providerOf(token()), bootstrap());
    });

    it("exposes a provider that authenticates with the service-account token, as a secret", async () => {
        const provider = providersByRef.get(await tokenProviderRef());
        assert.ok(provider && provider !== bootstrap());
        assert.strictEqual(provider.inputs.url, API_URL);
        assert.ok(SECRET_SIG in provider.inputs.auth, "the token is not a secret");
        assert.strictEqual(unwrapSecrets(provider.inputs.auth), `glsa_mock_${token().name}`);
    });

    it("retries refused connections and 429/5xx answers for minutes, on both providers", () => {
        for (const provider of providersByRef.values()) {
            const retries = Number(provider.inputs.retries);
            const wait = Number(provider.inputs.retryWait);
            assert.ok(retries * wait >= 120, `${provider.name} gives up after ${retries * wait}s`);
            assert.deepStrictEqual(JSON.parse(provider.inputs.retryStatusCodes), ["429", "5xx"]);
        }
    });

    it("creates every other Grafana resource through the token provider", async () => {
        const others = resources.filter((r) => r.type.startsWith("grafana:") && r !== serviceAccount() && r !== token());
        assert.ok(others.length >= 10, `only ${others.length} Grafana resources were checked`);
        const ref = await tokenProviderRef();
        for (const resource of others) assert.strictEqual(resource.provider, ref, `${resource.type} ${resource.name}`);
    });

    it("puts the admin password in no input but the bootstrap provider's", () => {
        const holders = resources.filter((r) => JSON.stringify(unwrapSecrets(r.inputs)).includes(ADMIN_PASSWORD));
        assert.deepStrictEqual(holders.map((r) => r.name), [bootstrap().name]);
    });
});

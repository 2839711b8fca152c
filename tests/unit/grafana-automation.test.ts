import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import { grafanaValues } from "../../components/grafana/Grafana";
import { GrafanaAutomation, withoutCredentials } from "../../components/grafana/GrafanaAutomation";
import { GrafanaContent } from "../../components/grafana/GrafanaContent";
import { READINESS_TIMEOUT_SECONDS } from "../../components/grafana/readiness";
import { ObservabilityStack } from "../../components/ObservabilityStack";
import { captureResources, outputValue, type RecordedResource, SECRET_SIG, unwrapSecrets } from "../helpers/pulumi";
import { loadStack } from "../helpers/stacks";

const ADMIN_PASSWORD = "admin-password-5d1c9e";
const PROVIDER_TYPE = "pulumi:providers:grafana";
const GATE_TYPE = "pulumi-nodejs:dynamic/grafana:EndpointReady";

/** Stands for the Grafana Helm release, which the bootstrap provider must wait for. */
class StandInRelease extends pulumi.CustomResource {
    constructor(name: string) {
        super("kubernetes:helm.sh/v3:Release", name, {});
    }
}

interface Seen {
    type: string;
    name: string;
    props: Record<string, unknown>;
    opts: pulumi.ResourceOptions;
    resource: pulumi.Resource;
}

describe("GrafanaAutomation", () => {
    let resources: RecordedResource[];
    let release: StandInRelease;
    let automation: GrafanaAutomation;
    const seen: Seen[] = [];
    /** `urn::id` of each provider, as resources refer to it, to its recorded registration. */
    const providersByRef = new Map<string, RecordedResource>();

    const { config } = loadStack("production");
    /** Production's public URL: the provider goes through the ingress (grafana.host, cert-manager). */
    const API_URL = `https://${config.grafana.host}`;

    before(async () => {
        const record: pulumi.ResourceTransformation = ({ type, name, props, opts, resource }) => {
            seen.push({ type, name, props, opts, resource });
            return undefined;
        };
        resources = await captureResources(() => {
            release = new StandInRelease("automation-grafana-release");
            automation = new GrafanaAutomation(
                "automation",
                {
                    apiUrl: API_URL,
                    adminUser: "admin",
                    adminPassword: pulumi.secret(ADMIN_PASSWORD),
                    grafanaRelease: release,
                    endpoint: { namespace: config.namespace, host: config.grafana.host, ingress: config.ingress },
                },
                { transformations: [record] },
            );
            // As the ObservabilityStack wires it: the content only gets the automation's provider.
            new GrafanaContent(
                "automation-content",
                {
                    grafanaUrl: "https://grafana.example.com",
                    datasources: {
                        prometheusUrl: "http://p:9090",
                        lokiUrl: "http://l:3100",
                        tempoUrl: "http://t:3200",
                        pyroscopeUrl: "http://py:4040",
                        alertmanagerUrl: "http://a:9093",
                        alertmanagerEnabled: true,
                        scrapeInterval: config.prometheus.scrapeInterval,
                    },
                    namespace: config.namespace,
                    services: config.services,
                },
                { providers: [automation.provider], transformations: [record] },
            );
        });
        for (const { type, name, resource } of seen) {
            if (type !== PROVIDER_TYPE) continue;
            const custom = resource as pulumi.CustomResource;
            const ref = `${await outputValue(custom.urn)}::${await outputValue(custom.id)}`;
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
    const tokenProviderRef = async () => `${await outputValue(automation.provider.urn)}::${await outputValue(automation.provider.id)}`;

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

    describe("readiness gate", () => {
        const gate = () => one(GATE_TYPE);
        const seenGate = () => seen.find((s) => s.type === GATE_TYPE)!;

        it("waits for the public URL, named with what the diagnosis needs: namespace, ingress class, issuer, TLS Secret", () => {
            const { __provider: serialized, ...inputs } = gate().inputs;
            assert.deepStrictEqual(inputs, {
                url: API_URL,
                timeoutSeconds: READINESS_TIMEOUT_SECONDS,
                publicHost: "grafana.example.com",
                namespace: "monitoring",
                ingressClassName: "nginx",
                ingressControllerNamespace: "ingress-nginx",
                clusterIssuer: "letsencrypt-prod",
                tlsSecretName: "grafana-tls",
                tlsSecretConfigured: false,
            });
            assert.strictEqual(typeof serialized, "string", "the dynamic provider is serialized into the inputs");
            assert.match(serialized, /exports\.handler/);
        });

        it("names the TLS Secret the Grafana chart's Ingress uses", () => {
            const values = grafanaValues(config.namespace, { namespace: config.namespace, settings: config.grafana, ingress: config.ingress }) as {
                ingress: { tls: Array<{ secretName: string }> };
            };
            assert.strictEqual(gate().inputs.tlsSecretName, values.ingress.tls[0].secretName);
        });

        it("keeps credentials of a URL out of the gate (the health check needs none)", () => {
            assert.strictEqual(withoutCredentials("https://admin:s3cret@grafana.example.com/grafana"), "https://grafana.example.com/grafana");
            assert.strictEqual(withoutCredentials("http://localhost:3000"), "http://localhost:3000");
        });

        it("holds no secret", () => {
            assert.ok(!JSON.stringify(gate().inputs).includes(SECRET_SIG), "a secret in the gate's inputs");
        });

        it("waits for the Grafana release", () => {
            const dependsOn = ([] as unknown[]).concat(seenGate().opts.dependsOn ?? []);
            assert.ok(dependsOn.includes(release), "the gate does not wait for the Grafana release");
        });

        it("is waited for by both providers, which call the URL it waited for: nothing calls Grafana before the gate is ready", () => {
            const providers = seen.filter((s) => s.type === PROVIDER_TYPE);
            assert.strictEqual(providers.length, 2);
            for (const provider of providers) {
                const dependsOn = ([] as unknown[]).concat(provider.opts.dependsOn ?? []);
                assert.ok(dependsOn.includes(seenGate().resource), `${provider.name} does not wait for the gate`);
            }
            for (const provider of resources.filter((r) => r.type === PROVIDER_TYPE)) assert.strictEqual(provider.inputs.url, gate().inputs.url);
            assert.strictEqual(automation.endpointReady, seenGate().resource);
        });

        it("is wired from the stack's config by the ObservabilityStack: public host in staging, the dev port-forward without ingress hints", async () => {
            for (const stack of ["staging", "dev"]) {
                const loaded = loadStack(stack);
                const built = await captureResources(() => new ObservabilityStack(`readiness-${stack}`, loaded));
                const gates = built.filter((r) => r.type === GATE_TYPE);
                assert.strictEqual(gates.length, 1, stack);
                const { __provider: _serialized, ...inputs } = gates[0].inputs;
                const expected =
                    stack === "dev"
                        ? { url: "http://localhost:3000", timeoutSeconds: READINESS_TIMEOUT_SECONDS, namespace: "monitoring" }
                        : {
                              url: "https://grafana.staging.example.com",
                              timeoutSeconds: READINESS_TIMEOUT_SECONDS,
                              publicHost: "grafana.staging.example.com",
                              namespace: "monitoring",
                              ingressClassName: "nginx",
                              ingressControllerNamespace: "ingress-nginx",
                              clusterIssuer: "letsencrypt-prod",
                              tlsSecretName: "grafana-tls",
                              tlsSecretConfigured: false,
                          };
                assert.deepStrictEqual(inputs, expected, stack);
                const urls = built.filter((r) => r.type === PROVIDER_TYPE).map((r) => r.inputs.url);
                assert.deepStrictEqual(urls, [expected.url, expected.url], stack);
            }
        });
    });

    it("puts the admin password in no input but the bootstrap provider's", () => {
        const holders = resources.filter((r) => JSON.stringify(unwrapSecrets(r.inputs)).includes(ADMIN_PASSWORD));
        assert.deepStrictEqual(
            holders.map((r) => r.name),
            [bootstrap().name],
        );
    });
});

import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import { ObservabilityStack } from "../../components/ObservabilityStack";
import { captureResources, isSecret, outputValue, type RecordedResource, SECRET_SIG } from "../helpers/pulumi";
import { loadStack, STACK_NAMES, TEST_SECRET_VALUES } from "../helpers/stacks";

interface Built {
    stack: ObservabilityStack;
    resources: RecordedResource[];
    logged: string;
}

let builds = 0;
/** Builds a whole stack under mocks, capturing what it registers and everything it writes to the console. */
async function build(stackName: string, overrides: Record<string, string> = {}): Promise<Built> {
    const { config, secrets } = loadStack(stackName, overrides);
    const lines: string[] = [];
    const original = { log: console.log, warn: console.warn, error: console.error, info: console.info };
    const capture = (...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
    };
    Object.assign(console, { log: capture, warn: capture, error: capture, info: capture });
    let stack: ObservabilityStack | undefined;
    try {
        const resources = await captureResources(() => {
            stack = new ObservabilityStack(`safety-${builds++}`, { config, secrets });
        });
        return { stack: stack!, resources, logged: lines.join("\n") };
    } finally {
        Object.assign(console, original);
    }
}

/** Every string in `value` that is not inside a Pulumi secret wrapper, with its path. */
function plainStrings(value: unknown, path = "", into: Array<[string, string]> = []): Array<[string, string]> {
    if (typeof value === "string") into.push([path, value]);
    else if (Array.isArray(value)) for (const [index, item] of value.entries()) plainStrings(item, `${path}[${index}]`, into);
    else if (value && typeof value === "object") {
        if (SECRET_SIG in value) return into;
        for (const [key, child] of Object.entries(value)) plainStrings(child, path ? `${path}.${key}` : key, into);
    }
    return into;
}

/** Strings that must only ever travel as secrets: configured secrets, and what the mocks generate. */
function secretValues(resources: RecordedResource[]): string[] {
    const generated = resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => "p".repeat(r.inputs.length ?? 16));
    const tokens = resources.filter((r) => r.type === "grafana:oss/serviceAccountToken:ServiceAccountToken").map((r) => `glsa_mock_${r.name}`);
    return [...Object.values(TEST_SECRET_VALUES), ...generated, ...tokens];
}

/** Resource inputs with the component name taken out, so two builds of one stack can be compared. */
function normalized(resources: RecordedResource[], name: string): unknown {
    return JSON.parse(
        JSON.stringify(resources.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs })))
            .split(name)
            .join("<stack>"),
    );
}

const OUTPUTS = [
    "namespace",
    "grafanaUrl",
    "prometheusUrl",
    "lokiUrl",
    "tempoUrl",
    "pyroscopeUrl",
    "alertmanagerUrl",
    "otlpGrpcEndpoint",
    "otlpHttpEndpoint",
    "profilesPushUrl",
    "grafanaAdminUser",
    "portForwardCommands",
    "datasourceUids",
    "folderUids",
    "dashboardUrls",
] as const;

describe("stack safety: secrets, determinism, protection", () => {
    const built: Record<string, Built> = {};
    before(async () => {
        for (const name of STACK_NAMES) built[name] = await build(name);
    });

    for (const name of STACK_NAMES) {
        describe(name, () => {
            it("holds secrets only as Pulumi secrets in every resource input (Helm values, provider, contact points)", () => {
                const { resources } = built[name];
                const secrets = secretValues(resources);
                assert.ok(secrets.length >= Object.keys(TEST_SECRET_VALUES).length + 1, "the audit has values to look for");
                const leaks: string[] = [];
                for (const resource of resources) {
                    for (const [path, text] of plainStrings(resource.inputs)) {
                        for (const secret of secrets) if (text.includes(secret)) leaks.push(`${resource.type} ${resource.name} ${path}`);
                    }
                }
                assert.deepStrictEqual(leaks, []);
            });

            it("the audit sees the secrets it is looking for (they are present, wrapped)", () => {
                const wrapped = JSON.stringify(built[name].resources.map((r) => r.inputs));
                const generated = secretValues(built[name].resources).filter((secret) => !Object.values(TEST_SECRET_VALUES).includes(secret));
                assert.ok(generated.length >= 2, "an admin password and a service-account token");
                for (const secret of generated) assert.ok(wrapped.includes(secret), "a generated secret reaches some input");
                const used = Object.values(TEST_SECRET_VALUES).filter((secret) => wrapped.includes(secret));
                // Every stack passes at least the generated admin password; staging and production also config secrets.
                assert.ok(wrapped.includes(SECRET_SIG));
                if (name !== "dev") assert.ok(used.length >= 2, `${name} uses ${used.length} configured secrets`);
            });

            it("exports the admin password only as a secret, and no secret in any other output", async () => {
                const { stack, resources } = built[name];
                assert.strictEqual(await isSecret(stack.grafanaAdminPassword), true);
                const secrets = secretValues(resources);
                for (const output of OUTPUTS) {
                    const text = JSON.stringify(await outputValue(pulumi.output(stack[output] as pulumi.Output<unknown>))) ?? "";
                    for (const secret of secrets) assert.ok(!text.includes(secret), `${output} contains a secret`);
                }
            });

            it("logs nothing that contains a secret", () => {
                const { logged, resources } = built[name];
                for (const secret of secretValues(resources)) assert.ok(!logged.includes(secret));
            });

            it("two evaluations register identical resources with identical inputs (no drift on the next preview)", async () => {
                const again = await build(name);
                const first = normalized(built[name].resources, built[name].resources[0].name.replace(/-namespace$/, ""));
                const second = normalized(again.resources, again.resources[0].name.replace(/-namespace$/, ""));
                assert.deepStrictEqual(second, first);
            });
        });
    }

    describe("data protection", () => {
        const dataHolders = (stack: ObservabilityStack) => {
            const { prometheus, loki, tempo, grafana } = stack.components;
            return { prometheus: prometheus.release, loki: loki.release, tempo: tempo.release, grafana: grafana.release };
        };
        const isProtected = (resource: pulumi.Resource) => (resource as unknown as { __protect?: boolean }).__protect === true;

        it("production protects the releases that hold data and everything else; dev and staging do not", () => {
            for (const name of STACK_NAMES) {
                const expected = name === "production";
                for (const [release, resource] of Object.entries(dataHolders(built[name].stack))) {
                    assert.strictEqual(isProtected(resource), expected, `${name} ${release}`);
                }
            }
            // Everything, so that a destroy removes no NetworkPolicy, collector, rule or dashboard (README "Data safety").
            const { collector, networkPolicies } = built.production.stack.components;
            for (const resource of [collector.release, networkPolicies, built.production.stack]) assert.strictEqual(isProtected(resource), true);
        });

        it("protectData: false lifts the protection for a deliberate teardown (docs/operations.md)", async () => {
            const { stack } = await build("production", { protectData: "false" });
            for (const [release, resource] of Object.entries(dataHolders(stack))) assert.strictEqual(isProtected(resource), false, release);
        });
    });
});

// Offline render: evaluates the program for one stack under Pulumi mocks (no cluster, no credentials,
// no network) and writes the desired state for review. Secrets are redacted.
//   npm run render -- --stack production [--out render/production] [--placeholder-secrets]
// Secret config values are encrypted in the stack file and not readable offline: every secret key gets
// a placeholder, unless RENDER_SECRETS (a JSON map) supplies values; either way none is ever written.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { prometheusRuleFile } from "../components/grafana/alerting/ruleGroups";
import { alertRuleGroups } from "../components/grafana/alerting/rules";
import { loadStackConfig } from "../stacks/config";
import { type RecordedInputs, renderFiles } from "./lib/renderFiles";
import { refusal, writeRender } from "./lib/renderOutput";
import { HELM_RELEASE_TYPE } from "./lib/helmTemplate";
import { releaseToRender, renderReleases } from "./lib/stackManifests";
import { PROJECT, SECRET_SIG, offlineConfig, stackFileSecretKeys } from "./lib/stackFile";

export const REDACTED = "[secret]";

function argument(name: string): string | undefined {
    const index = process.argv.indexOf(`--${name}`);
    return index >= 0 ? process.argv[index + 1] : undefined;
}

/**
 * Unwraps secret inputs, masking in them every secret value the evaluation knows (config secrets, the
 * generated password, the token): the structure around a secret stays reviewable, the secret does not.
 */
function redact(value: unknown, secrets: readonly string[], insideSecret = false): unknown {
    if (typeof value === "string") {
        return insideSecret ? secrets.reduce((text, secret) => text.split(secret).join(REDACTED), value) : value;
    }
    if (Array.isArray(value)) return value.map((item) => redact(item, secrets, insideSecret));
    if (value && typeof value === "object") {
        const object = value as Record<string, unknown>;
        if (SECRET_SIG in object) return redact(object.value, secrets, true);
        return Object.fromEntries(Object.entries(object).map(([key, child]) => [key, redact(child, secrets, insideSecret)]));
    }
    return value;
}

async function main(): Promise<void> {
    const stack = argument("stack");
    if (!stack) throw new Error("usage: npm run render -- --stack <dev|staging|production|...> [--out <dir>] [--placeholder-secrets]");
    const out = path.resolve(argument("out") ?? path.join("render", stack));
    // Before any work: a directory that is not a previous render is never written into.
    const refused = refusal(out);
    if (refused) throw new Error(refused);
    const secretValues = JSON.parse(process.env.RENDER_SECRETS ?? "{}") as Record<string, string>;

    // As `pulumi preview` would: a secret neither encrypted in the stack file nor given is missing, unless asked.
    const placeholderSecrets = process.argv.includes("--placeholder-secrets");
    const offline = offlineConfig(stack, {}, secretValues, { missingSecrets: placeholderSecrets ? "placeholder" : "absent" });
    const generatedPassword = "generated-password-placeholder";
    const generatedToken = "glsa_generated_token_placeholder";
    const known = [...offline.secrets, generatedPassword, generatedToken];
    pulumi.runtime.setAllConfig(offline.config, offline.secretKeys);
    const recorded: RecordedInputs[] = [];
    pulumi.runtime.setMocks({
        newResource(args) {
            recorded.push({ type: args.type, name: args.name, inputs: redact(args.inputs, known) as Record<string, any> });
            const state: Record<string, unknown> = { ...args.inputs };
            if (args.type === "random:index/randomPassword:RandomPassword") state.result = generatedPassword;
            if (args.type === "grafana:oss/serviceAccountToken:ServiceAccountToken") state.key = generatedToken;
            return { id: `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
    }, PROJECT, stack, false);

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../index");
    await settled(() => recorded.length);

    const { config } = loadStackConfig();
    const prometheusRules = prometheusRuleFile(alertRuleGroups({
        namespace: config.namespace, services: config.services, managedControlPlane: config.cluster.managedControlPlane,
    })) as { groups: unknown[] };
    // Each release as Helm renders it (secrets already masked in the values): what `helm diff` would show.
    const rendered = renderReleases(recorded.filter((r) => r.type === HELM_RELEASE_TYPE).map((r) => releaseToRender(r.inputs)));
    const files = renderFiles(recorded, prometheusRules, rendered.releases);
    const leaked = known.filter((secret) => Object.values(files).some((text) => text.includes(secret)));
    if (leaked.length > 0) throw new Error(`refusing to write: ${leaked.length} secret value(s) would appear in the render`);
    writeRender(out, stack, files);
    const filled = offline.placeholders.filter((key) => !stackFileSecretKeys(stack).includes(key));
    if (filled.length > 0) process.stdout.write(`placeholders for secrets the stack file lacks (pulumi preview would refuse): ${filled.join(", ")}\n`);
    process.stdout.write(`${files["SUMMARY.md"]}\nwrote ${Object.keys(files).length} files to ${path.relative(process.cwd(), out) || "."}\n`);
}

/** Resolves once no resource has been registered for a while (outputs resolve asynchronously). */
async function settled(count: () => number): Promise<void> {
    let last = -1;
    while (count() !== last) {
        last = count();
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
});

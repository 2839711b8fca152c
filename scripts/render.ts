// Offline render: evaluates the program for one stack under Pulumi mocks (no cluster, no credentials,
// no network) and writes the desired state for review. Secrets are redacted.
//   npm run render -- --stack production [--out render/production] [--placeholder-secrets]
// Secret config values are encrypted in the stack file and not readable offline: every secret key gets
// a placeholder, unless RENDER_SECRETS (a JSON map) supplies values; either way none is ever written.
import * as path from "path";
import { prometheusRuleFile } from "../components/grafana/alerting/ruleGroups";
import { alertRuleGroups, alertRuleInput } from "../components/grafana/alerting/rules";
import { loadStackConfig } from "../stacks/config";
import { HELM_RELEASE_TYPE } from "./lib/helmTemplate";
import { evaluateOffline } from "./lib/offlineEvaluation";
import { redact } from "./lib/redaction";
import { type RecordedInputs, renderFiles } from "./lib/renderFiles";
import { refusal, writeRender } from "./lib/renderOutput";
import { releaseToRender, renderReleases } from "./lib/stackManifests";

export { REDACTED } from "./lib/redaction";

function argument(name: string): string | undefined {
    const index = process.argv.indexOf(`--${name}`);
    return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
    const stack = argument("stack");
    if (!stack) throw new Error("usage: npm run render -- --stack <dev|staging|production|...> [--out <dir>] [--placeholder-secrets]");
    const out = path.resolve(argument("out") ?? path.join("render", stack));
    // Before any work: a directory that is not a previous render is never written into.
    const refused = refusal(out);
    if (refused) throw new Error(refused);
    const secretValues = JSON.parse(process.env.RENDER_SECRETS ?? "{}") as Record<string, string>;
    const evaluation = await evaluateOffline(stack, { secretValues, placeholderSecrets: process.argv.includes("--placeholder-secrets") });
    const known = evaluation.knownSecrets;
    const recorded: RecordedInputs[] = evaluation.registrations.map((registration) => ({
        type: registration.type,
        name: registration.name,
        inputs: redact(registration.inputs, known) as Record<string, any>,
    }));

    const { config } = loadStackConfig();
    const prometheusRules = prometheusRuleFile(alertRuleGroups(alertRuleInput(config))) as { groups: unknown[] };
    // Each release as Helm renders it (secrets already masked in the values): what `helm diff` would show.
    const rendered = renderReleases(recorded.filter((r) => r.type === HELM_RELEASE_TYPE).map((r) => releaseToRender(r.inputs)));
    const files = renderFiles(recorded, prometheusRules, rendered.releases);
    const leaked = known.filter((secret) => Object.values(files).some((text) => text.includes(secret)));
    if (leaked.length > 0) throw new Error(`refusing to write: ${leaked.length} secret value(s) would appear in the render`);
    writeRender(out, stack, files);
    const filled = evaluation.placeholdersForMissingSecrets;
    if (filled.length > 0) process.stdout.write(`placeholders for secrets the stack file lacks (pulumi preview would refuse): ${filled.join(", ")}\n`);
    process.stdout.write(`${files["SUMMARY.md"]}\nwrote ${Object.keys(files).length} files to ${path.relative(process.cwd(), out) || "."}\n`);
}

main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
});

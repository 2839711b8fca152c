// Offline policy check, for PR checks without the Pulumi CLI or credentials: evaluates the program for one
// stack as `pulumi preview` would (Pulumi mocks, the render's config handling) and runs the real policy pack
// process on every resource and on the whole stack, as the engine does.
//   npm run policy -- --stack production [--config policy/config/production.json] [--placeholder-secrets]
// --config defaults to policy/config/<stack>.json when it exists. Secrets as for `npm run render`: RENDER_SECRETS
// (a JSON map) supplies values, none is ever printed. Exits 1 when any violation is mandatory, as
// `pulumi preview --policy-pack policy` fails, and 0 otherwise (advisory violations are printed).
import * as fs from "fs";
import * as path from "path";
import { evaluateOffline } from "./lib/offlineEvaluation";
import { checkPolicies, type PolicyCheck } from "./lib/policyCheck";
import { type RunningPack, startPolicyPack } from "./lib/policyPack";
import { maskSecrets } from "./lib/redaction";
import { REPO_ROOT } from "./lib/stackFile";

const USAGE = "usage: npm run policy -- --stack <dev|staging|production|...> [--config <policy config JSON>] [--placeholder-secrets]";

function argument(name: string): string | undefined {
    const index = process.argv.indexOf(`--${name}`);
    return index >= 0 ? process.argv[index + 1] : undefined;
}

/** The --policy-pack-config file: the one named (it must exist), else policy/config/<stack>.json if there is one. */
function policyConfig(stack: string): { file: Record<string, unknown>; path: string } | undefined {
    const named = argument("config");
    const file = named ? path.resolve(named) : path.join(REPO_ROOT, "policy", "config", `${stack}.json`);
    if (!fs.existsSync(file)) {
        if (named) throw new Error(`no policy config file ${named}`);
        return undefined;
    }
    const shown = path.relative(process.cwd(), file) || file;
    try {
        return { file: JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>, path: shown };
    } catch (error) {
        throw new Error(`${shown}: not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** The report, as the CLI's "Policies:" section lists violations, then one summary line. */
function report(stack: string, check: PolicyCheck, configPath: string | undefined): string {
    const lines: string[] = [];
    // Mandatory first: those are what fails the check.
    const ordered = [...check.violations].sort((a, b) => Number(b.level === "mandatory") - Number(a.level === "mandatory"));
    for (const violation of ordered) {
        lines.push(`[${violation.level}] ${violation.policy}`, `    resource: ${violation.urn}`, ...violation.message.split("\n").map((line) => `    ${line}`));
    }
    if (check.neverApplicable.length > 0) lines.push(`not applicable to anything in ${stack}: ${check.neverApplicable.join(", ")}`);
    const count = (kind: string) => check.policies.filter((policy) => policy.kind === kind && policy.level !== "disabled").length;
    const disabled = check.policies.filter((policy) => policy.level === "disabled").map((policy) => policy.name);
    const mandatory = check.violations.filter((violation) => violation.level === "mandatory").length;
    lines.push(
        `${check.pack.name}@${check.pack.version} on stack ${stack} (${configPath ? `config ${configPath}` : "no policy config file"}): ` +
            `checked ${check.resourcesChecked} resources against ${plural(count("resource") + count("stack"), "policy", "policies")} ` +
            `(${count("resource")} resource, ${count("stack")} stack${disabled.length > 0 ? `; disabled: ${disabled.join(", ")}` : ""}): ` +
            `${mandatory} mandatory, ${check.violations.length - mandatory} advisory violations`,
    );
    return lines.join("\n");
}

/** Every secret value known so far; any text printed is masked with them. */
const knownSecrets: string[] = [];

function fail(error: unknown): void {
    process.stderr.write(`${maskSecrets(error instanceof Error ? error.message : String(error), knownSecrets)}\n`);
    process.exitCode = 1;
}

// An error inside one of the program's applies surfaces outside main(): report it, and do not check half a program.
for (const event of ["unhandledRejection", "uncaughtException"] as const)
    process.on(event, (error) => {
        fail(error);
        process.exit();
    });

async function main(): Promise<void> {
    const stack = argument("stack");
    if (!stack) throw new Error(USAGE);
    const config = policyConfig(stack);
    const secretValues = JSON.parse(process.env.RENDER_SECRETS ?? "{}") as Record<string, string>;
    knownSecrets.push(...Object.values(secretValues).filter(Boolean));
    // The pack compiles itself with ts-node (a few seconds): let that overlap the evaluation.
    const starting = startPolicyPack();
    starting.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
    let pack: RunningPack | undefined;
    try {
        const evaluation = await evaluateOffline(stack, { secretValues, placeholderSecrets: process.argv.includes("--placeholder-secrets") });
        knownSecrets.push(...evaluation.knownSecrets);
        pack = await starting;
        const check = await checkPolicies(pack, stack, evaluation.registrations, config);
        const filled = evaluation.placeholdersForMissingSecrets;
        if (filled.length > 0) process.stdout.write(`placeholders for secrets the stack file lacks (pulumi preview would refuse): ${filled.join(", ")}\n`);
        // Policy messages name settings, not values, but a message is the pack's to write: mask what it must not show.
        process.stdout.write(`${maskSecrets(report(stack, check, config?.path), knownSecrets)}\n`);
        if (check.violations.some((violation) => violation.level === "mandatory")) process.exitCode = 1;
    } finally {
        (pack ?? (await starting.catch(() => undefined)))?.stop();
    }
}

main().catch(fail);

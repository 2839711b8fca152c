// Pulumi.yaml, and a stack's Pulumi.<stack>.yaml as Pulumi hands it to the program, for the tools that evaluate
// the program offline (render, bench, tests). Secret values are encrypted there and not readable offline.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { SECRET_KEYS } from "../../stacks/config";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The project file's keys these tools read. */
export interface ProjectFile {
    name: string;
    description?: string;
    main: string;
    runtime: string | { name: string; options?: { typescript?: boolean; nodeargs?: string } };
    [key: string]: unknown;
}

/** Pulumi.yaml as committed. */
export function projectFile(): ProjectFile {
    return parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

export const PROJECT = projectFile().name;
/** The wrapper Pulumi puts around a secret when it serializes resource inputs. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Strips Pulumi's secret wrappers, for reading inputs. */
export function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value && typeof value === "object") {
        const object = value as Record<string, unknown>;
        if (SECRET_SIG in object) return unwrapSecrets(object.value);
        return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** The stack file's `config:` map; a key without a namespace is refused as Pulumi refuses it. */
function stackFileConfig(stack: string, required: boolean): Record<string, unknown> {
    const file = path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        if (required) throw new Error(`no stack file ${path.relative(process.cwd(), file)}`);
        return {};
    }
    const config = (parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
    // Pulumi reads stack-file keys as <namespace>:<name> and refuses a bare name; say so before anything runs.
    const bare = Object.keys(config).filter((key) => !key.includes(":"));
    if (bare.length > 0) {
        throw new Error(
            `Pulumi.${stack}.yaml: ${bare.map((key) => `config key "${key}" has no namespace; write "${PROJECT}:${key}"`).join("; ")} (Pulumi reads config keys as <namespace>:<name>)`,
        );
    }
    return config;
}

const isSecure = (value: unknown) => Boolean(value && typeof value === "object" && "secure" in value);

/** Top-level config of the stack file without the project prefix, objects as JSON; `secure:` values left out. */
export function stackFileValues(stack: string, options: { required?: boolean } = {}): Record<string, string> {
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(stackFileConfig(stack, options.required ?? false))) {
        if (!key.startsWith(`${PROJECT}:`) || isSecure(value)) continue;
        values[key.slice(PROJECT.length + 1)] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return values;
}

/** Keys the stack file holds encrypted (`secure:`): set with `pulumi config set --secret`, unreadable offline. */
export function stackFileSecretKeys(stack: string): string[] {
    return Object.entries(stackFileConfig(stack, false))
        .filter(([key, value]) => key.startsWith(`${PROJECT}:`) && isSecure(value))
        .map(([key]) => key.slice(PROJECT.length + 1));
}

export interface OfflineOptions {
    /**
     * Secret keys neither encrypted in the stack file nor given: "placeholder" gives every one a placeholder (the
     * suite and bench evaluate the committed example files, which hold no secrets); "absent" leaves them out, so
     * the program refuses what `pulumi preview` would refuse.
     */
    missingSecrets: "placeholder" | "absent";
}

/** Pulumi config for an offline evaluation: the stack file, `overrides`, and the secret keys (placeholders unless given). */
export function offlineConfig(
    stack: string,
    overrides: Record<string, unknown> = {},
    secretValues: Record<string, string> = {},
    options: OfflineOptions = { missingSecrets: "placeholder" },
) {
    const values: Record<string, string> = { ...stackFileValues(stack, { required: true }) };
    for (const [key, value] of Object.entries(overrides)) values[key] = typeof value === "string" ? value : JSON.stringify(value);
    const encrypted = stackFileSecretKeys(stack);
    const present = SECRET_KEYS.filter((key) => secretValues[key] || encrypted.includes(key) || options.missingSecrets === "placeholder");
    const secrets = Object.fromEntries(present.map((key) => [`${PROJECT}:${key}`, secretValues[key] || `placeholder-${key}`]));
    const config = { ...Object.fromEntries(Object.entries(values).map(([key, value]) => [`${PROJECT}:${key}`, value])), ...secrets };
    const placeholders = present.filter((key) => !secretValues[key]);
    return { config, secretKeys: Object.keys(secrets), secrets: Object.values(secrets), placeholders };
}

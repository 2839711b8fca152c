// A stack's Pulumi.<stack>.yaml as Pulumi hands it to the program, for the tools that evaluate the
// program offline (render, bench, tests). Secret values are encrypted there and not readable offline.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { SECRET_KEYS } from "../../stacks/config";

export const PROJECT = "observability";
export const REPO_ROOT = path.resolve(__dirname, "..", "..");
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

/** Top-level config of the stack file without the project prefix, objects as JSON; `secure:` values left out. */
export function stackFileValues(stack: string, options: { required?: boolean } = {}): Record<string, string> {
    const file = path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        if (options.required) throw new Error(`no stack file ${path.relative(process.cwd(), file)}`);
        return {};
    }
    const config = (parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        if (!key.startsWith(`${PROJECT}:`) || (value && typeof value === "object" && "secure" in value)) continue;
        values[key.slice(PROJECT.length + 1)] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return values;
}

/** Pulumi config for an offline evaluation: the stack file, `overrides`, and every secret key (placeholders unless given). */
export function offlineConfig(stack: string, overrides: Record<string, unknown> = {}, secretValues: Record<string, string> = {}) {
    const values: Record<string, string> = { ...stackFileValues(stack, { required: true }) };
    for (const [key, value] of Object.entries(overrides)) values[key] = typeof value === "string" ? value : JSON.stringify(value);
    const secrets = Object.fromEntries(SECRET_KEYS.map((key) => [`${PROJECT}:${key}`, secretValues[key] || `placeholder-${key}`]));
    const config = { ...Object.fromEntries(Object.entries(values).map(([key, value]) => [`${PROJECT}:${key}`, value])), ...secrets };
    return { config, secretKeys: Object.keys(secrets), secrets: Object.values(secrets) };
}

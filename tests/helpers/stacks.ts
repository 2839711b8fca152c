// The committed stacks (Pulumi.<stack>.yaml on top of their presets) loaded the way Pulumi would hand
// them to the program, with test secrets for the keys that stacks set with `pulumi config set --secret`.
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, REPO_ROOT, stackFileValues } from "../../scripts/lib/stackFile";
import { type LoadedConfig, mergeOverrides, parseStackConfig, type RawConfig, type SecretKey } from "../../stacks/config";

export { REPO_ROOT };
export const STACK_NAMES = ["dev", "staging", "production"] as const;

/** Distinctive values, so tests can prove none of them leaks as plain text. */
export const TEST_SECRET_VALUES: Record<SecretKey, string> = {
    grafanaDatabasePassword: "db-secret-3e1f9a7c",
    slackToken: "xoxb-slack-secret-b52d",
    pagerdutyIntegrationKey: "pd-secret-key-c81e",
    smtpPassword: "smtp-secret-77af",
};

export function testSecrets(keys: readonly SecretKey[] = Object.keys(TEST_SECRET_VALUES) as SecretKey[]): RawConfig["secrets"] {
    return Object.fromEntries(keys.map((key) => [key, pulumi.secret(TEST_SECRET_VALUES[key])]));
}

/**
 * Loads a committed stack with `overrides` edited into its file, as a user would edit Pulumi.<stack>.yaml:
 * maps merge key by key and null deletes (`{ objectStorage: '{"region":null}' }` removes one key).
 */
export function loadStack(stack: string, overrides: Record<string, string> = {}, secrets = testSecrets()): LoadedConfig {
    const values = stackFileValues(stack);
    for (const [key, text] of Object.entries(overrides)) {
        const edited = key in values ? mergeOverrides(parseJson(values[key]), parseJson(text)) : parseJson(text);
        if (edited === undefined) delete values[key];
        else values[key] = typeof edited === "string" ? edited : JSON.stringify(edited);
    }
    return parseStackConfig({ project: PROJECT, stack, values, secrets });
}

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

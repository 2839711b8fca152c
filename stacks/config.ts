// Reads the stack's configuration once: preset + Pulumi.<stack>.yaml overrides, validated as a whole
// before the program registers any resource. Every problem is reported with its key, the value given
// and what is allowed.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { BACKEND_KEYS, BACKENDS } from "../components/backends";
import { mergeValues } from "../components/chartValues";
import { checkObjectStorage } from "../components/objectStorage/settings";
import { FAST_BURN_RATE } from "../components/vocabulary";
import { NO_DEFAULT_STORAGE_CLASS } from "./cluster";
import { allowedKeysAt, typeHint, unknownKeyHint } from "./configHints";
import type { AnyBackendSettings } from "./fields";
import { PRESETS } from "./presets";
import { configSchema, PRESET_NAMES, type PresetName, type StackConfig } from "./schema";
import { cpuCores, quantityBytes } from "./units";

/** Config keys that hold secrets: set with `pulumi config set --secret <key> <value>`. */
export const SECRET_KEYS = ["grafanaDatabasePassword", "slackToken", "pagerdutyIntegrationKey", "smtpPassword"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
export type StackSecrets = Partial<Record<SecretKey, pulumi.Output<string>>>;

export interface LoadedConfig {
    /** The Pulumi stack name. */
    stack: string;
    /** The validated, merged configuration. */
    config: StackConfig;
    /** Secret config values, as Pulumi secrets. */
    secrets: StackSecrets;
}

export class ConfigError extends Error {
    constructor(
        readonly problems: string[],
        stack: string,
    ) {
        super(`Invalid configuration for stack "${stack}":\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

export interface RawConfig {
    /** Pulumi project name; config keys are shown as `<project>:<key>`. */
    project: string;
    stack: string;
    /** Top-level config values as Pulumi hands them over: strings, objects as JSON. */
    values: Record<string, string>;
    secrets: StackSecrets;
    /** Secret keys whose value sits in plain text in the stack file (set without `--secret`). */
    plaintextSecrets?: string[];
}

/** Top-level keys whose value is a plain string; every other key holds a map or a list. */
const PLAIN_STRING_KEYS = ["preset", "namespace"];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isPlainObject = (v: unknown): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A stack file over its preset: objects merge key by key, arrays and scalars replace, and null removes a preset's value. */
export const mergeOverrides = mergeValues;

const show = (value: unknown) => (value === undefined ? "nothing" : JSON.stringify(value));

function keyName(project: string, path: PropertyKey[]): string {
    if (path.length === 0) return project;
    let name = `${project}:${String(path[0])}`;
    for (const part of path.slice(1)) name += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
    return name;
}

/** A hint, then the allowed keys unless the hint already is that list. */
const withAllowed = (hint: string, allowed: string) => (hint.startsWith("allowed keys") ? hint : `${hint} Allowed keys: ${allowed}`);

function describeIssue(project: string, issue: z.core.$ZodIssue): string[] {
    const key = keyName(project, issue.path);
    if (issue.code === "unrecognized_keys") {
        const allowed = (allowedKeysAt(configSchema, issue.path) ?? []).join(", ");
        return issue.keys.map((stray) => `${key}: unknown key "${stray}"; ${withAllowed(unknownKeyHint(configSchema, issue.path, stray, project), allowed)}`);
    }
    const given = "input" in issue ? issue.input : undefined;
    const expected = "expected" in issue ? String(issue.expected) : undefined;
    const noun = expected ?? "valid value";
    const message = issue.message.startsWith("Invalid input") ? `expected ${/^[aeiou]/.test(noun) ? "an" : "a"} ${noun}` : issue.message;
    const hint = issue.code === "invalid_type" ? typeHint(expected, given) : undefined;
    return [`${key}: got ${show(given)}; ${message}${hint ? ` (${hint})` : ""}`];
}

/** Checks that need several keys at once; each names the key to change. */
function crossChecks(config: StackConfig, secrets: StackSecrets): Array<{ path: PropertyKey[]; given: unknown; message: string }> {
    const problems: Array<{ path: PropertyKey[]; given: unknown; message: string }> = [];
    const add = (path: PropertyKey[], given: unknown, message: string) => problems.push({ path, given, message });
    const { grafana, prometheus, alerting } = config;

    const backends = BACKEND_KEYS.map((key) => ({ backend: BACKENDS[key].settings as AnyBackendSettings, settings: config[key] }));
    const storageUsers = backends.flatMap(({ backend, settings }) =>
        backend.objectStorage
            ? [
                  {
                      required: backend.objectStorage.required(settings),
                      described: backend.objectStorage.described(settings),
                      bucket: backend.objectStorage.bucket,
                  },
              ]
            : [],
    );
    checkObjectStorage(config.objectStorage, storageUsers, config.preset === "production", add);
    for (const { backend, settings } of backends) backend.check?.(settings, { preset: config.preset, secrets }, add);
    // A TLS block names a Secret: cert-manager writes it from the issuer, or it exists already. Neither: the
    // ingress would serve the controller's fallback certificate for a Secret nothing creates.
    const hosts = [grafana.host && "grafana.host", prometheus.host && "prometheus.host"].filter(Boolean);
    if (hosts.length > 0 && !config.ingress.clusterIssuer && !config.ingress.tlsSecretName) {
        add(
            ["ingress", "clusterIssuer"],
            undefined,
            `${hosts.join(" and ")} ${hosts.length > 1 ? "are" : "is"} set but nothing provides the TLS certificate: ` +
                "set ingress.clusterIssuer (a cert-manager ClusterIssuer) or ingress.tlsSecretName (an existing kubernetes.io/tls Secret in the stack's namespace covering the hosts)",
        );
    }
    if (config.ingress.clusterIssuer && config.ingress.tlsSecretName) {
        add(
            ["ingress", "tlsSecretName"],
            config.ingress.tlsSecretName,
            `expected either ingress.clusterIssuer (${config.ingress.clusterIssuer}) or ingress.tlsSecretName, not both: cert-manager would overwrite the Secret`,
        );
    }
    const noDefaultClass = NO_DEFAULT_STORAGE_CLASS[config.cluster.distribution];
    if (noDefaultClass && !config.cluster.storageClass) add(["cluster", "storageClass"], undefined, noDefaultClass);
    if (alerting.slack.enabled && !secrets.slackToken) {
        add(
            ["slackToken"],
            undefined,
            "Slack notifications are enabled (alerting.slack.enabled) but the bot token is missing; run: pulumi config set --secret slackToken <xoxb-token>",
        );
    }
    if (alerting.pagerduty.enabled && !secrets.pagerdutyIntegrationKey) {
        add(
            ["pagerdutyIntegrationKey"],
            undefined,
            "PagerDuty notifications are enabled (alerting.pagerduty.enabled) but the integration key is missing; run: pulumi config set --secret pagerdutyIntegrationKey <key>",
        );
    }
    if (alerting.email.enabled && !grafana.smtp) {
        add(
            ["grafana", "smtp"],
            undefined,
            'email notifications are enabled (alerting.email.enabled) but Grafana has no SMTP relay; expected {host: "smtp.example.com:587", fromAddress, user}',
        );
    }
    const window = alerting.maintenanceWindow;
    if (window.startTime >= window.endTime) {
        add(["alerting", "maintenanceWindow", "endTime"], window.endTime, `expected a time after startTime (${window.startTime})`);
    }
    // The fast-burn page fires when 14.4 × the error budget of requests fail; at or above 100% it never can.
    const lowestObjective = Math.ceil((100 - 100 / FAST_BURN_RATE) * 100) / 100;
    config.services.forEach((service, index) => {
        for (const key of ["availabilityObjective", "latencyObjective"] as const) {
            if (service[key] > 0 && service[key] < 1) {
                add(["services", index, key], service[key], `objectives are percentages: ${+(service[key] * 100).toFixed(4)}, not ${service[key]}`);
            } else if (service[key] < lowestObjective) {
                add(
                    ["services", index, key],
                    service[key],
                    `expected at least ${lowestObjective}: below it the ${FAST_BURN_RATE}× fast-burn alert would need more than 100% of requests to fail and could never page`,
                );
            }
        }
    });
    const seen = new Set<string>();
    config.services.forEach((service, index) => {
        if (seen.has(service.name)) add(["services", index, "name"], service.name, "expected a unique service name (rule and dashboard UIDs derive from it)");
        seen.add(service.name);
    });
    return problems;
}

function checkRequestsWithinLimits(value: unknown, path: PropertyKey[], add: (path: PropertyKey[], given: unknown, message: string) => void): void {
    if (!isPlainObject(value)) return;
    const { requests, limits } = value as { requests?: Record<string, string>; limits?: Record<string, string> };
    if (isPlainObject(requests) && isPlainObject(limits) && typeof requests.cpu === "string" && typeof limits.cpu === "string") {
        if (cpuCores(requests.cpu) > cpuCores(limits.cpu)) add([...path, "requests", "cpu"], requests.cpu, `expected at most the limit (${limits.cpu})`);
        if (quantityBytes(requests.memory) > quantityBytes(limits.memory))
            add([...path, "requests", "memory"], requests.memory, `expected at most the limit (${limits.memory})`);
        return;
    }
    for (const [key, child] of Object.entries(value)) checkRequestsWithinLimits(child, [...path, key], add);
}

/** Validates raw config against the preset and schema; throws one ConfigError listing every problem at once. */
export function parseStackConfig(raw: RawConfig): LoadedConfig {
    const { project, stack } = raw;
    const allowedKeys = [...Object.keys(configSchema.shape), ...SECRET_KEYS];
    const overrides: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const key of raw.plaintextSecrets ?? []) {
        problems.push(
            `${project}:${key}: is in plain text in Pulumi.${stack}.yaml; remove that line and run: pulumi config set --secret ${key} <value> --stack ${stack}`,
        );
    }
    for (const [key, text] of Object.entries(raw.values)) {
        if ((SECRET_KEYS as readonly string[]).includes(key)) continue;
        if (!allowedKeys.includes(key)) {
            problems.push(`${project}:${key}: unknown key; ${withAllowed(unknownKeyHint(configSchema, [], key, project), allowedKeys.join(", "))}`);
            continue;
        }
        if (PLAIN_STRING_KEYS.includes(key)) {
            overrides[key] = text;
            continue;
        }
        try {
            overrides[key] = JSON.parse(text);
        } catch {
            problems.push(`${project}:${key}: got ${show(text)}; expected a structured value (a YAML map or list in Pulumi.<stack>.yaml)`);
        }
    }
    const presetName = (overrides.preset ?? stack) as string;
    if (!(PRESET_NAMES as readonly string[]).includes(presetName)) {
        problems.push(
            `${project}:preset: got ${show(overrides.preset)}; stack "${stack}" is not a preset's name, so expected one of: ${PRESET_NAMES.join(", ")} (pulumi config set preset production)`,
        );
        // Without a preset there is nothing to merge the overrides over: the rest cannot be judged yet.
        throw new ConfigError(problems, stack);
    }

    const merged = mergeOverrides(PRESETS[presetName as PresetName], { ...overrides, preset: presetName });
    // jitless: the one parse of a run; compiling zod's fast path for every object schema first costs more than it saves.
    const parsed = configSchema.safeParse(merged, { reportInput: true, jitless: true });
    const reported: string[] = [];
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            problems.push(...describeIssue(project, issue));
            reported.push(keyName(project, issue.path));
        }
    }
    // The checks across keys run on the merged values even when some failed the schema, so one run reports
    // every problem; a check that trips over a value of the wrong type is left to the schema's message.
    const later: Array<{ path: PropertyKey[]; given: unknown; message: string }> = [];
    const data = (parsed.success ? parsed.data : merged) as StackConfig;
    try {
        checkRequestsWithinLimits(data, [], (path, given, message) => later.push({ path, given, message }));
    } catch {
        /* reported by the schema */
    }
    try {
        later.push(...crossChecks(data, raw.secrets));
    } catch {
        /* reported by the schema */
    }
    for (const p of later) {
        const key = keyName(project, p.path);
        if (reported.some((path) => key === path || key.startsWith(`${path}.`) || key.startsWith(`${path}[`))) continue;
        problems.push(`${key}: got ${show(p.given)}; ${p.message}`);
    }
    if (problems.length > 0 || !parsed.success) throw new ConfigError(problems, stack);
    return { stack, config: parsed.data, secrets: raw.secrets };
}

/**
 * Whether Pulumi holds a config value as a secret (`secure:` in the stack file). The SDK's own check, marked
 * @internal in @pulumi/pulumi 3.265.0 (runtime/config.js), reads the secret keys the engine hands the program;
 * Pulumi's `Config.get` uses it to warn about secrets read in plain text. tests/unit/config.test.ts pins its behaviour.
 */
function isConfigSecret(key: string): boolean {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (key: string) => boolean };
    if (typeof runtimeConfig.isConfigSecret !== "function")
        throw new Error("@pulumi/pulumi no longer exports runtime/config isConfigSecret: update stacks/config.ts");
    return runtimeConfig.isConfigSecret(key);
}

/** Reads this stack's Pulumi config. Call once, before creating any resource. */
export function loadStackConfig(): LoadedConfig {
    const project = pulumi.getProject();
    const prefix = `${project}:`;
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (key.startsWith(prefix)) values[key.slice(prefix.length)] = value;
    }
    const config = new pulumi.Config();
    const secrets: StackSecrets = {};
    for (const key of SECRET_KEYS) {
        const value = config.getSecret(key);
        if (value !== undefined) secrets[key] = value;
    }
    const plaintextSecrets = SECRET_KEYS.filter((key) => values[key] !== undefined && !isConfigSecret(`${prefix}${key}`));
    return parseStackConfig({ project, stack: pulumi.getStack(), values, secrets, plaintextSecrets });
}

// The building blocks of the configuration schema: strict sections whose unknown-key errors list the
// allowed keys, and leaf types whose messages are noun phrases ("expected ..."), so the loader can say:
// key, what was given, what is allowed. The top-level schema (schema.ts) and each backend's section
// (components/<backend>/settings.ts) are written with them.
import { z } from "zod";
import {
    BYTES_HINT,
    BYTES_PATTERN,
    CPU_HINT,
    CPU_PATTERN,
    DURATION_HINT,
    DURATION_PATTERN,
    durationSeconds,
    PROMETHEUS_SIZE_HINT,
    PROMETHEUS_SIZE_PATTERN,
} from "./units";

export const PRESET_NAMES = ["dev", "staging", "production"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** A strict object whose unknown-key error lists the keys that are allowed. */
export function section<T extends z.ZodRawShape>(shape: T) {
    const allowed = Object.keys(shape).join(", ");
    return z.strictObject(shape, {
        error: (issue) =>
            issue.code === "unrecognized_keys"
                ? `unknown key ${issue.keys.map((k) => `"${k}"`).join(", ")}; allowed keys: ${allowed}`
                : issue.code === "invalid_type"
                  ? `expected an object with keys: ${allowed}`
                  : undefined,
    });
}

export const bool = z.boolean({ error: "expected true or false" });
export const positiveInt = (what = "an integer ≥ 1") =>
    z
        .number({ error: `expected ${what}` })
        .int(`expected ${what}`)
        .min(1, `expected ${what}`);
export const duration = z
    .string({ error: `expected ${DURATION_HINT}` })
    .regex(DURATION_PATTERN, `expected ${DURATION_HINT}`)
    .refine((v) => !DURATION_PATTERN.test(v) || durationSeconds(v) > 0, "expected a duration longer than zero");
export const cpu = z
    .string({ error: `expected ${CPU_HINT}` })
    .regex(CPU_PATTERN, `expected ${CPU_HINT}`)
    .refine((v) => !/^0+(\.0+)?m?$/.test(v), "expected a CPU quantity above zero");
export const bytes = z
    .string({ error: `expected ${BYTES_HINT}` })
    .regex(BYTES_PATTERN, `expected ${BYTES_HINT}`)
    .refine((v) => !/^0+(\.0+)?[A-Za-z]*$/.test(v), "expected a size above zero");
export const prometheusSize = z.string({ error: `expected ${PROMETHEUS_SIZE_HINT}` }).regex(PROMETHEUS_SIZE_PATTERN, `expected ${PROMETHEUS_SIZE_HINT}`);
const HOSTNAME_HINT = 'a DNS hostname such as "grafana.example.com" (lower case letters, digits, "-" and ".")';
export const hostname = z
    .string({ error: `expected ${HOSTNAME_HINT}` })
    .max(253, `expected ${HOSTNAME_HINT}`)
    .regex(/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/, `expected ${HOSTNAME_HINT}`);
const K8S_NAME_HINT = 'a Kubernetes name: lower case letters, digits and "-", at most 63 characters, starting and ending with a letter or digit';
export const k8sName = z.string({ error: `expected ${K8S_NAME_HINT}` }).regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, `expected ${K8S_NAME_HINT}`);
export const url = z
    .string({ error: 'expected an http(s) URL such as "http://localhost:3000"' })
    .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'expected an http(s) URL such as "http://localhost:3000"');
export const percent = z
    .number({ error: "expected a percentage between 0 and 100 (exclusive), such as 99.9" })
    .gt(0, "expected a percentage between 0 and 100 (exclusive), such as 99.9")
    .lt(100, "expected a percentage between 0 and 100 (exclusive), such as 99.9");
export const timeOfDay = z
    .string({ error: 'expected a time of day "HH:MM" (24-hour)' })
    .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected a time of day "HH:MM" (24-hour)');
/** The tz database's name for `tz` as JavaScript resolves it (case-insensitively), or undefined. */
const resolvedTimeZone = (tz: string) => {
    try {
        return new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
    } catch {
        return undefined;
    }
};
export const timeZone = z
    .string({ error: 'expected an IANA time zone such as "America/New_York" or "UTC"' })
    .refine((tz) => resolvedTimeZone(tz) !== undefined, 'expected an IANA time zone such as "America/New_York" or "UTC"')
    // Grafana loads it with Go's time.LoadLocation, which reads tz database files by their exact, case-sensitive name.
    .superRefine((tz, context) => {
        const resolved = resolvedTimeZone(tz);
        if (resolved && resolved !== tz && resolved.toLowerCase() === tz.toLowerCase()) {
            context.addIssue({ code: "custom", message: `time zone names are case-sensitive (Grafana reads them with Go's time.LoadLocation): "${resolved}"` });
        }
    });
export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
export const email = z.string({ error: "expected an email address" }).regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "expected an email address");

/** CPU and memory for one container; requests must not exceed limits (the API server refuses that). */
export const resources = section({
    requests: section({ cpu, memory: bytes }),
    limits: section({ cpu, memory: bytes }),
});
export type Resources = z.infer<typeof resources>;

/** Replicas and resources of one workload of a scalable chart. */
export const workload = section({ replicas: positiveInt(), resources });
export type Workload = z.infer<typeof workload>;

/** Requests and limits of one container, as the presets write them. */
export const size = (cpuRequest: string, memoryRequest: string, cpuLimit: string, memoryLimit: string): Resources => ({
    requests: { cpu: cpuRequest, memory: memoryRequest },
    limits: { cpu: cpuLimit, memory: memoryLimit },
});

/** Records one problem: the key's path (from the top of the config), the value given, what is allowed. */
export type AddProblem = (path: PropertyKey[], given: unknown, message: string) => void;
export interface SettingsProblem {
    path: PropertyKey[];
    given: unknown;
    message: string;
}

/** What a check across keys may read besides its own section. */
export interface CheckContext {
    /** The preset the stack starts from. */
    preset: PresetName;
    /** Which secret config keys are set (their values stay Pulumi secrets). */
    secrets: Readonly<Record<string, unknown>>;
}

/** What one backend contributes to the configuration: its section of the schema, its presets, its checks. */
export interface BackendSettings<S extends z.ZodType> {
    /** The section `observability:<backend>`. */
    schema: S;
    /** What the section sets, in one paragraph (docs/configuration.md). */
    description: string;
    /** The section's value in each preset; a stack file states only what differs. */
    presets: Record<PresetName, z.input<S>>;
    /** Checks across the section's keys (and secrets) that the schema cannot express. */
    check?: (settings: z.output<S>, context: CheckContext, add: AddProblem) => void;
    /** For a backend that can keep its data in the shared object storage: whether these settings do, and its name with its mode. */
    objectStorage?: {
        required: (settings: z.output<S>) => boolean;
        /** `Loki "Distributed"`: how the missing-storage message names the backend. */
        described: (settings: z.output<S>) => string;
        /** Its key in `objectStorage.buckets`. */
        bucket: string;
    };
}

/** A registry entry whatever its section's type (the loader hands each its own section). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyBackendSettings = BackendSettings<z.ZodType<any>>;

/** The problems one check finds. */
export function problemsOf(check: (add: AddProblem) => void): SettingsProblem[] {
    const problems: SettingsProblem[] = [];
    check((path, given, message) => problems.push({ path, given, message }));
    return problems;
}

/**
 * A component's guard for settings that did not come through the loader (tests, other programs): the same
 * rules the loader applies, thrown as one error. "expected X: why" reads "must be X: why (got Y)".
 */
export function refuseProblems(component: string, problems: SettingsProblem[]): void {
    if (problems.length === 0) return;
    const describe = ({ path, given, message }: SettingsProblem) => {
        const key = path.join(".");
        return message.startsWith("expected ") ? `${key} must be ${message.slice("expected ".length)} (got ${JSON.stringify(given)})` : `${key}: ${message}`;
    };
    throw new Error(`${component}: ${problems.map(describe).join("; ")}`);
}

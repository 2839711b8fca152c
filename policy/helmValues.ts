// Policies that read Helm releases' chart, version and values. Values are checked where any chart puts
// them (resources, ingress, credentials appear at many paths), so they also hold for a chart added later.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
    describeRelease,
    formatPath,
    type HelmRelease,
    helmRelease,
    isFalse,
    isNonEmptyString,
    isObject,
    isTruthy,
    type ValuePath,
    valueAt,
    walkValues,
} from "./common";

/** One exact SemVer 2 version: what `helm install --version` pins (a range or "latest" re-resolves every deploy). */
const EXACT_VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

export const chartVersionPinned: ResourceValidationPolicy = {
    name: "helm-chart-version-pinned",
    description: "Every Helm release installs one exact chart version, so an upgrade only happens through a reviewed change.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: 'Set the exact version (e.g. "12.11.1") in components/charts.ts, CHARTS.<chart>.version; components/helm.ts passes it to every release.',
    validateResource: (args, reportViolation) => {
        const release = helmRelease(args);
        const fix = `Fix: set CHARTS.<chart>.version in components/charts.ts to an exact version such as "1.2.3".`;
        if (!isNonEmptyString(release.version)) {
            reportViolation(`${describeRelease(release, args.name)} has no chart version: Helm installs whatever is newest when it deploys. ${fix}`);
        } else if (!EXACT_VERSION.test(release.version.trim())) {
            reportViolation(
                `${describeRelease(release, args.name)} asks for chart version ${JSON.stringify(release.version)}, not one exact version: ` +
                    `the chart could change without a code change. ${fix}`,
            );
        }
    },
};

// ---- Credentials in values ----

/** Key endings (lower case, "_"/"-" removed, optional plural "s") whose value is a credential. */
const CREDENTIAL_KEY_ENDINGS = [
    "password",
    "passwd",
    "htpasswd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "credentials",
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "signingkey",
    "encryptionkey",
    "accountkey",
    "sharedkey",
    "masterkey",
    "authkey",
    "integrationkey",
    "routingkey",
    "servicekey",
    "connectionstring",
];
/** Chart keys ending like a credential that take the NAME of a Secret, not its content. */
const SECRET_NAME_KEYS = new Set(["configsecret", "tlssecret", "admintokensecret", "envrendersecret"]);
/** Prefixes of keys that name a Secret: existingSecret, existingSecretName, envFromSecret. */
const SECRET_NAME_PREFIXES = ["existing", "envfrom"];
/**
 * Values that point at a credential instead of holding it: Grafana's `$__file{path}`, `$__env{VAR}`,
 * `$__vault{...}` and the `${VAR}` / `${VAR:-default}` that Loki and Tempo expand with -config.expand-env.
 */
const CREDENTIAL_REFERENCE = /^\s*(\$__(file|env|vault)\{[^}]+\}|\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\})\s*$/;

const normalizeKey = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Whether a key holds a credential (and not a Secret's name, a file path or a key inside a Secret). */
export function isCredentialKey(key: string): boolean {
    const normalized = normalizeKey(key);
    if (SECRET_NAME_KEYS.has(normalized) || SECRET_NAME_PREFIXES.some((prefix) => normalized.startsWith(prefix))) return false;
    return CREDENTIAL_KEY_ENDINGS.some((ending) => normalized.endsWith(ending) || normalized.endsWith(`${ending}s`));
}

/** Paths of credential-named keys holding a literal (secrets reach the pack unwrapped, so a Pulumi secret counts). */
export function plainCredentialPaths(values: unknown): ValuePath[] {
    const found: ValuePath[] = [];
    for (const { key, value, path } of walkValues(values, () => true)) {
        if (typeof key !== "string" || !isCredentialKey(key)) continue;
        const literal = typeof value === "number" || (typeof value === "string" && value.trim() !== "");
        if (literal && !(typeof value === "string" && CREDENTIAL_REFERENCE.test(value))) found.push(path);
    }
    return found;
}

export const noPlainCredentialsInValues: ResourceValidationPolicy = {
    name: "helm-values-no-plaintext-secrets",
    description: "No Helm value holds a password, token, key or secret: Helm keeps values readable in its release Secret and `helm get values`.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Keep the credential in Pulumi secret config (pulumi config set --secret <key>), put it in a Kubernetes Secret the " +
        "component creates, and pass the chart only the Secret's name (existingSecret, secretName, envFromSecrets with passwordKey/userKey) " +
        "or a reference: $__file{...}/$__env{...} in grafana.ini, ${VAR} with -config.expand-env in Loki and Tempo.",
    validateResource: (args, reportViolation) => {
        const release = helmRelease(args);
        for (const path of plainCredentialPaths(release.values)) {
            // The value itself is never printed: it is the secret.
            reportViolation(
                `${describeRelease(release, args.name)} has a credential in plain text at ${formatPath(path)}. ` +
                    "Fix: store it in a Kubernetes Secret (from `pulumi config set --secret`) in the component that owns the chart " +
                    "(components/<Component>.ts) and reference that Secret by name (existingSecret/secretName/envFromSecrets) or as $__env{}/$__file{}/${VAR}.",
            );
        }
    },
};

// ---- Resources ----

const RESOURCE_FIELDS = [
    ["requests", "cpu"],
    ["requests", "memory"],
    ["limits", "cpu"],
    ["limits", "memory"],
] as const;

/** Every container `resources` object of the values that a chart renders (parts with `enabled: false` are skipped). */
export function resourceBlocks(values: unknown): Array<{ path: ValuePath; missing: string[] }> {
    const blocks: Array<{ path: ValuePath; missing: string[] }> = [];
    for (const { key, value, path } of walkValues(values)) {
        if (key !== "resources" || !isObject(value)) continue;
        // A volume claim's `resources` requests storage, not CPU and memory.
        if (valueAt(value, "requests", "storage") !== undefined || valueAt(value, "limits", "storage") !== undefined) continue;
        const missing = RESOURCE_FIELDS.filter(([kind, resource]) => {
            const quantity = valueAt(value, kind, resource);
            return !(isNonEmptyString(quantity) || (typeof quantity === "number" && quantity > 0));
        }).map((parts) => parts.join("."));
        blocks.push({ path, missing });
    }
    return blocks;
}

export const workloadResources: ResourceValidationPolicy = {
    name: "helm-workload-resources",
    description: "Every `resources` block in a release's values sets CPU and memory requests and limits, and every release sets at least one.",
    // Advisory: values paths differ per chart, so this reads every `resources` block it finds; the exact
    // per-chart check is the test suite (every workload the chart renders).
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps:
        "Give the workload requests and limits for cpu and memory: sizes come from the stack config " +
        "(observability:<component>.resources or .components.<name>.resources, defaults in stacks/presets.ts); fixed sidecar and job " +
        "budgets live in the component that owns the chart (components/<Component>.ts).",
    validateResource: (args, reportViolation) => {
        const release = helmRelease(args);
        const blocks = resourceBlocks(release.values);
        const fix = "Fix: set requests and limits for cpu and memory (observability:<component>.resources in the stack config, defaults in stacks/presets.ts).";
        if (blocks.length === 0) {
            reportViolation(
                `${describeRelease(release, args.name)} sets no resources in its values: its pods run with whatever the chart or namespace defaults give. ${fix}`,
            );
        }
        for (const { path, missing } of blocks) {
            if (missing.length > 0) {
                reportViolation(`${describeRelease(release, args.name)}: ${formatPath(path)} lacks ${missing.join(", ")}. ${fix}`);
            }
        }
    },
};

// ---- Ingress ----

/** Host names of a chart's ingress: `hosts: ["a"]` or `hosts: [{host: "a", paths}]`. */
function ingressHosts(ingress: Record<string, unknown>): string[] {
    const hosts = Array.isArray(ingress.hosts) ? ingress.hosts : [];
    return hosts.map((host) => (isObject(host) ? host.host : host)).filter(isNonEmptyString);
}

/** Problems of each enabled ingress in the values (any object at a key named `ingress`). */
export function ingressTlsProblems(values: unknown): Array<{ path: ValuePath; problem: string }> {
    const problems: Array<{ path: ValuePath; problem: string }> = [];
    for (const { key, value, path } of walkValues(values)) {
        if (typeof key !== "string" || key.toLowerCase() !== "ingress" || !isObject(value) || !isTruthy(value.enabled)) continue;
        const tls = Array.isArray(value.tls) ? value.tls.filter(isObject) : [];
        if (tls.length === 0) {
            problems.push({ path, problem: "is enabled without tls: it serves plain HTTP" });
            continue;
        }
        const covered = new Set(tls.flatMap((entry) => (Array.isArray(entry.hosts) ? entry.hosts.filter(isNonEmptyString) : [])));
        const uncovered = covered.size === 0 ? [] : ingressHosts(value).filter((host) => !covered.has(host));
        if (uncovered.length > 0) problems.push({ path, problem: `has no TLS certificate for ${uncovered.join(", ")}` });
    }
    return problems;
}

export const ingressTls: ResourceValidationPolicy = {
    name: "ingress-tls",
    description: "Every ingress a release enables terminates TLS for each of its hosts.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        'Add tls: [{secretName: "<release>-tls", hosts: [<host>]}] beside the ingress in the component that owns the chart ' +
        "(components/<Component>.ts) and set observability:ingress.clusterIssuer so cert-manager issues the certificate; or remove the host.",
    validateResource: (args, reportViolation) => {
        const release = helmRelease(args);
        for (const { path, problem } of ingressTlsProblems(release.values)) {
            reportViolation(
                `${describeRelease(release, args.name)}: ${formatPath(path)} ${problem}. ` +
                    'Fix: add tls: [{secretName: "<release>-tls", hosts: [<host>]}] in components/<Component>.ts and set observability:ingress.clusterIssuer.',
            );
        }
    },
};

// ---- Grafana ----

/** The Grafana values of a release: the grafana chart's own, or kube-prometheus-stack's bundled Grafana when enabled. */
export function grafanaValueSets(release: HelmRelease): Array<{ path: ValuePath; values: Record<string, unknown> }> {
    const values = isObject(release.values) ? release.values : {};
    if (release.chart === "grafana") return [{ path: [], values }];
    if (release.chart === "kube-prometheus-stack" && !isFalse(valueAt(values, "grafana", "enabled"))) {
        // The subchart is on by default: no `grafana` key at all installs it.
        return [{ path: ["grafana"], values: isObject(values.grafana) ? values.grafana : {} }];
    }
    return [];
}

/** Grafana settings that let strangers in: [grafana.ini section, key, environment override]. */
const OPEN_DOORS = [
    ["auth.anonymous", "enabled", "GF_AUTH_ANONYMOUS_ENABLED", "anonymous access"],
    ["users", "allow_sign_up", "GF_USERS_ALLOW_SIGN_UP", "self sign-up"],
] as const;

export const grafanaClosedToStrangers: ResourceValidationPolicy = {
    name: "grafana-no-anonymous-access-or-sign-up",
    description: "Grafana turns off anonymous access and self sign-up explicitly (grafana.ini) and no environment variable turns them on.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        'In grafanaValues (components/grafana/Grafana.ts) set "grafana.ini": {"auth.anonymous": {enabled: false}, users: {allow_sign_up: false}} ' +
        "and remove GF_AUTH_ANONYMOUS_ENABLED / GF_USERS_ALLOW_SIGN_UP from env.",
    validateResource: (args, reportViolation) => {
        const release = helmRelease(args);
        const grafanas = grafanaValueSets(release);
        if (grafanas.length === 0) args.notApplicable("the release installs no Grafana");
        for (const { path, values } of grafanas) {
            for (const [section, key, envName, what] of OPEN_DOORS) {
                const setting = valueAt(values, "grafana.ini", section, key);
                const iniPath = formatPath([...path, "grafana.ini", section, key]);
                const fix = `Fix: set ${iniPath}: false in grafanaValues (components/grafana/Grafana.ts).`;
                if (!isFalse(setting)) {
                    reportViolation(
                        `${describeRelease(release, args.name)} ${setting === undefined ? "does not turn off" : "turns on"} Grafana ${what}: ` +
                            `${iniPath} is ${setting === undefined ? "not set" : JSON.stringify(setting)}, expected false. ${fix}`,
                    );
                }
                const override = valueAt(values, "env", envName);
                if (isTruthy(override)) {
                    reportViolation(
                        `${describeRelease(release, args.name)} turns on Grafana ${what} with ${formatPath([...path, "env", envName])}. Fix: remove it from env.`,
                    );
                }
            }
        }
    },
};

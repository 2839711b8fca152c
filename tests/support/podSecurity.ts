// Pod Security of a rendered stack, judged by tools/podsecurity (k8s.io/pod-security-admission, the API
// server's own admission library): every pod template of every release against its namespace's labels.
import { stringify } from "yaml";
import { runGoCheck, withInputFiles } from "../../scripts/lib/goTools";
import type { StackManifests } from "../../scripts/lib/stackManifests";

export interface Forbidden {
    reason: string;
    detail: string;
}
export interface Evaluation {
    level: string;
    version: string;
    allowed: boolean;
    forbidden: Forbidden[];
}
export interface PodSecurityResult {
    kind: string;
    namespace: string;
    name: string;
    hook: string;
    namespaceKnown: boolean;
    enforce: { level: string; version: string } | null;
    evaluations: Evaluation[];
    enforceAllowed: boolean | null;
    /** Release the pod template came from. */
    release: string;
}

/** Policy versions judged besides each namespace's own: the oldest Kubernetes supported, and the library's newest. */
export const POLICY_VERSIONS = ["v1.34", "latest"];

export function podSecurity(manifests: StackManifests): PodSecurityResult[] {
    const namespaces = manifests.programObjects
        .filter((o) => o.kind === "Namespace")
        .map((o) => stringify(o))
        .join("---\n");
    return withInputFiles("pod-security", ".yaml", [namespaces, ...manifests.releases.map((release) => release.manifest)], ([namespaceFile, ...releaseFiles]) =>
        manifests.releases.flatMap((release, index) =>
            runGoCheck<{ results: Omit<PodSecurityResult, "release">[] }>("podsecurity", [
                "--default-namespace",
                release.namespace,
                "--versions",
                POLICY_VERSIONS.join(","),
                namespaceFile,
                releaseFiles[index],
            ]).results.map((result) => ({ ...result, release: release.name })),
        ),
    );
}

/** Whether the pod is admitted at its namespace's enforced level, at every policy version judged. */
export function admitted(result: PodSecurityResult): { ok: boolean; refusals: string[] } {
    if (!result.enforce || !result.namespaceKnown) return { ok: false, refusals: ["its namespace is not one the stack labels"] };
    const atLevel = result.evaluations.filter((e) => e.level === result.enforce!.level);
    const refusals = atLevel.filter((e) => !e.allowed).flatMap((e) => e.forbidden.map((f) => `${e.level}@${e.version}: ${f.reason} (${f.detail})`));
    return { ok: result.enforceAllowed === true && refusals.length === 0, refusals };
}

/**
 * Why a workload keeps what `restricted` refuses. Every refusal the library reports needs an entry here:
 * a new one fails tests/engines/pod-security.test.ts until it is fixed or explained.
 */
export const RESTRICTED_EXCEPTIONS: Record<string, string> = {
    "DaemonSet/prometheus-prometheus-node-exporter":
        "node-exporter reports the node itself: it reads the host's `/proc`, `/sys` and root filesystem (hostPath, read-only) and its network and processes (hostNetwork, hostPID), which only `privileged` allows. It runs alone in its own namespace, which enforces, warns and audits at `privileged`, so nothing else gains host access and no install warns",
    "Deployment/grafana":
        "the chart's `init-chown-data` init container runs as root to chown the persistent volume: local-path and hostPath volumes (kind, k3d) ignore `fsGroup`. Stacks without persistence (production keeps dashboards in its database) drop it and pass `restricted`",
};

/** docs/proven.md's table of what `restricted` would still refuse, per workload, across the stacks. */
export function restrictedTable(byStack: Record<string, PodSecurityResult[]>): string {
    const rows = new Map<string, { stacks: string[]; reasons: Set<string>; namespace: string; enforce: string }>();
    for (const [stack, results] of Object.entries(byStack)) {
        for (const result of results) {
            const refused = result.evaluations.filter((e) => e.level === "restricted" && e.version === POLICY_VERSIONS[0] && !e.allowed);
            if (refused.length === 0) continue;
            const key = `${result.kind}/${result.name}`;
            const row = rows.get(key) ?? { stacks: [], reasons: new Set<string>(), namespace: result.namespace, enforce: result.enforce?.level ?? "?" };
            row.stacks.push(stack);
            for (const forbidden of refused.flatMap((e) => e.forbidden)) row.reasons.add(`${forbidden.reason}: ${forbidden.detail}`);
            rows.set(key, row);
        }
    }
    const lines = [
        "| workload | namespace (enforces) | stacks | what `restricted` refuses (k8s.io/pod-security-admission, policy v1.34) | why |",
        "|---|---|---|---|---|",
    ];
    for (const [key, row] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
        lines.push(
            `| ${key} | ${row.namespace} (${row.enforce}) | ${row.stacks.join(", ")} | ${[...row.reasons].join("; ")} | ${RESTRICTED_EXCEPTIONS[key] ?? "**not explained**"} |`,
        );
    }
    return lines.join("\n");
}

// Relabeling by Prometheus' own library (tools/relabel, github.com/prometheus/prometheus/model/relabel), the
// code behind Prometheus' relabel_configs and Alloy's discovery.relabel `rule` blocks (the same fields).
import { runGoCheck, withInputFiles } from "../../scripts/lib/goTools";

/** One rule in Prometheus' relabel_config shape; unset fields take Prometheus' defaults. */
export interface RelabelRule {
    source_labels?: string[];
    separator?: string;
    regex?: string;
    target_label?: string;
    replacement?: string;
    action?: string;
    modulus?: number;
}

export type Labels = Record<string, string>;

export interface RelabelRequest {
    rules: RelabelRule[];
    targets: Labels[];
    /** How label names are validated: "utf8" (Prometheus 3's default) or "legacy". */
    nameValidationScheme?: "utf8" | "legacy";
}

export interface RelabeledTarget {
    dropped: boolean;
    /** Every label after relabeling; null when a keep/drop rule removed the target. */
    labels: Labels | null;
    /** `labels` without the names Prometheus reserves for internal use ("__..."), which consumers do not keep. */
    publicLabels: Labels | null;
}

/** The library's message for rules that do not decode or validate. */
export class RelabelRuleError extends Error {}

interface ToolResult {
    file: string;
    error?: string;
    targets: RelabeledTarget[];
}

/** Applies each request's rules to its targets, all in one run of the tool; invalid rules throw RelabelRuleError. */
export function relabelTargets(requests: readonly RelabelRequest[]): RelabeledTarget[][] {
    return withInputFiles(
        "relabel-request",
        ".json",
        requests.map((request) => JSON.stringify(request)),
        (files) => {
            // Exit 1: some request's rules are invalid; its result carries the message.
            const { results } = runGoCheck<{ results: ToolResult[] }>("relabel", files, undefined, [0, 1]);
            return results.map((result, index) => {
                if (result.error !== undefined) throw new RelabelRuleError(`request ${index}: ${result.error}`);
                return result.targets;
            });
        },
    );
}

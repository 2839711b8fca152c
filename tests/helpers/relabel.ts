// Prometheus relabeling (https://prometheus.io/docs/prometheus/latest/configuration/configuration/#relabel_config),
// the semantics Alloy's discovery.relabel rules follow, applied to sample targets in tests.

export interface RelabelRule {
    source_labels?: string[];
    separator?: string;
    regex?: string;
    target_label?: string;
    replacement?: string;
    action?: string;
}

export type Labels = Record<string, string>;

/** Prometheus regexes are fully anchored (RE2); the subset used in configs reads the same in JavaScript. */
const anchored = (regex: string) => new RegExp(`^(?:${regex})$`);
/** "$1" and "${1}" both name a capture group in Prometheus; JavaScript's replace knows only "$1". */
const jsReplacement = (replacement: string) => replacement.replace(/\$\{(\w+)\}/g, "$$$1");

/** Applies the rules in order; returns undefined when a keep/drop rule removes the target. */
export function relabel(labels: Labels, rules: RelabelRule[]): Labels | undefined {
    let current: Labels = { ...labels };
    for (const rule of rules) {
        const action = rule.action ?? "replace";
        const regex = anchored(rule.regex ?? "(.*)");
        const value = (rule.source_labels ?? []).map((name) => current[name] ?? "").join(rule.separator ?? ";");
        switch (action) {
            case "replace": {
                if (!regex.test(value) || !rule.target_label) break;
                const result = value.replace(regex, jsReplacement(rule.replacement ?? "$1"));
                if (result === "") delete current[rule.target_label];
                else current[rule.target_label] = result;
                break;
            }
            case "keep":
                if (!regex.test(value)) return undefined;
                break;
            case "drop":
                if (regex.test(value)) return undefined;
                break;
            case "labelmap":
                current = Object.fromEntries(Object.entries(current).flatMap(([name, v]) =>
                    regex.test(name) ? [[name, v], [name.replace(regex, jsReplacement(rule.replacement ?? "$1")), v]] : [[name, v]]));
                break;
            case "labeldrop":
                current = Object.fromEntries(Object.entries(current).filter(([name]) => !regex.test(name)));
                break;
            case "labelkeep":
                current = Object.fromEntries(Object.entries(current).filter(([name]) => regex.test(name)));
                break;
            default:
                throw new Error(`relabel action "${action}" is not simulated`);
        }
    }
    return current;
}

/** The labels a consumer keeps: Prometheus and Loki drop every label starting with "__". */
export const publicLabels = (labels: Labels) => Object.fromEntries(Object.entries(labels).filter(([name]) => !name.startsWith("__")));

// The query grammars Grafana's own editors use. A query that does not parse here shows as an error in
// Grafana, so every query the program ships must come back with no errors.
import type { Tree } from "@lezer/common";
import type { LRParser } from "@lezer/lr";

// These grammars ship as ES modules with a CommonJS build; require() takes the CommonJS one.
const load = (name: string): LRParser => (require(name) as { parser: LRParser }).parser;
const logqlParser = load("@grafana/lezer-logql");
const promqlParser = load("@prometheus-io/lezer-promql");
const traceqlParser = load("@grafana/lezer-traceql");

/**
 * "profileselector": a Pyroscope label selector (`{service_name="checkout"}`). Pyroscope reads it with Prometheus'
 * own parser (grafana/pyroscope v2.2.1 pkg/model/labels.go ParseMetricSelector → prometheus/promql/parser
 * ParseMetricSelector), so it is checked with the PromQL grammar and must be one vector selector, nothing more.
 */
export type QueryLanguage = "promql" | "logql" | "traceql" | "profileselector";

const PARSERS = { promql: promqlParser, logql: logqlParser, traceql: traceqlParser, profileselector: promqlParser };

/** Grafana's template variables ($namespace, ${service:regex}, $__rate_interval) as the server substitutes them. */
export function substituteGrafanaVariables(query: string): string {
    return query
        .replace(/\$__(rate_)?interval\b/g, "5m")
        .replace(/\$__range\b/g, "1h")
        .replace(/\$\{[^}]+\}|\$[A-Za-z_]\w*/g, "x");
}

/** Positions and text of every syntax error in `query` (empty when it parses). */
export function syntaxErrors(language: QueryLanguage, query: string): string[] {
    const text = substituteGrafanaVariables(query);
    const tree: Tree = PARSERS[language].parse(text);
    const errors: string[] = [];
    tree.iterate({
        enter: (node) => {
            if (node.type.isError) errors.push(`${language} error at ${node.from}: ${JSON.stringify(text.slice(Math.max(0, node.from - 15), node.to + 15))}`);
        },
    });
    if (language === "profileselector") {
        const expression = tree.topNode.firstChild;
        if (expression?.name !== "VectorSelector" || expression.from !== 0 || expression.to !== text.trimEnd().length) {
            errors.push(`profileselector error: not a single label selector: ${JSON.stringify(text)}`);
        }
    }
    return errors;
}

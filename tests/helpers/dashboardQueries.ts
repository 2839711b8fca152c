// Every query a dashboard model runs, with the language its datasource speaks, and a checker that
// parses each one with Grafana's grammar and every PromQL expression with promtool as well.
import { type QueryLanguage, substituteGrafanaVariables, syntaxErrors } from "./grammars";
import { checkPromQL } from "./promtool";

export interface DashboardQuery {
    /** Where the query sits, for messages: "<dashboard uid> / <panel or variable>". */
    where: string;
    language: QueryLanguage;
    text: string;
}

export interface DatasourceRef {
    type?: string;
    uid?: string;
}

const LANGUAGE_OF: Record<string, { language: QueryLanguage; field: "expr" | "query" | "labelSelector" }> = {
    prometheus: { language: "promql", field: "expr" },
    loki: { language: "logql", field: "expr" },
    tempo: { language: "traceql", field: "query" },
    "grafana-pyroscope-datasource": { language: "profileselector", field: "labelSelector" },
};

/** Panels, including those nested in rows. */
export function allPanels(model: any): any[] {
    return (model.panels ?? []).flatMap((panel: any) => [panel, ...allPanels(panel)]);
}

/** The datasource each target runs on: its own, else its panel's. */
export function targetsWithDatasource(model: any): Array<{ panel: any; target: any; datasource: DatasourceRef | undefined }> {
    return allPanels(model).flatMap((panel) =>
        (panel.targets ?? []).map((target: any) => ({ panel, target, datasource: target.datasource ?? panel.datasource })),
    );
}

/** Grafana's `label_values(selector, label)`: the selector must be valid PromQL, the label an identifier. */
const LABEL_VALUES = /^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\)$/s;

/** Every query of a dashboard; throws on a query it cannot classify, so nothing escapes the checks. */
export function dashboardQueries(model: any): DashboardQuery[] {
    const queries: DashboardQuery[] = [];
    for (const { panel, target, datasource } of targetsWithDatasource(model)) {
        const kind = LANGUAGE_OF[datasource?.type ?? ""];
        if (!kind) throw new Error(`${model.uid} / ${panel.title}: no known datasource type for target ${JSON.stringify(target)}`);
        const text = target[kind.field];
        if (typeof text !== "string" || !text.trim()) throw new Error(`${model.uid} / ${panel.title}: empty ${kind.language} query`);
        queries.push({ where: `${model.uid} / ${panel.title}`, language: kind.language, text });
    }
    for (const variable of model.templating?.list ?? []) {
        if (variable.type !== "query") continue;
        const query = typeof variable.query === "string" ? variable.query : variable.query?.query;
        const match = LABEL_VALUES.exec(query ?? "");
        if (variable.datasource?.type !== "prometheus" || !match) {
            throw new Error(`${model.uid} / $${variable.name}: unsupported variable query ${JSON.stringify(variable.query)}`);
        }
        queries.push({ where: `${model.uid} / $${variable.name}`, language: "promql", text: match[1] });
    }
    return queries;
}

/**
 * Problems with the queries: grammar errors per query, then promtool's verdict on all PromQL together. Pyroscope's
 * label selectors go to promtool too: Pyroscope parses them with the same Prometheus parser.
 */
export function queryProblems(queries: readonly DashboardQuery[]): string[] {
    const problems = queries.flatMap((query) =>
        syntaxErrors(query.language, query.text).map((error) => `${query.where}: ${error} in ${JSON.stringify(query.text)}`),
    );
    const promql = queries.filter((query) => query.language === "promql" || query.language === "profileselector");
    if (promql.length > 0) {
        const result = checkPromQL(promql.map((query) => substituteGrafanaVariables(query.text)));
        if (!result.ok) problems.push(`promtool rejected the PromQL: ${result.output}`);
    }
    return problems;
}

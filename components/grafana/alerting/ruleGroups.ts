// Renders rule definitions twice: as Grafana-managed rule groups (`grafana.alerting.RuleGroup`) and as
// a Prometheus rules file with the same meaning, which `promtool test rules` can run.
import type * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import { durationSeconds } from "../../../stacks/units";
import { DATASOURCE_UIDS } from "../uids";
import type { AlertRuleDefinition, RuleGroupDefinition } from "./rules";
import { goDurationString, goJsonMarshal } from "./wireFormat";

/** Grafana's server-side expressions pseudo-datasource. */
const EXPRESSION_DATASOURCE = { type: "__expr__", uid: "__expr__" } as const;
/** How far back the Prometheus query looks; the windows are inside the PromQL (`[5m]`). */
const QUERY_RANGE_SECONDS = 600;

export const REF_IDS = { query: "A", reduce: "B", condition: "C" } as const;

/**
 * The three stages of a rule. Each model goes out as the provider keeps it in state: Grafana adds
 * `intervalMs: 1000` and `maxDataPoints: 43200` to every model it stores (pkg/services/ngalert/models/
 * alert_query.go, PreSave), and the provider's `normalizeModelJSON` strips exactly those defaults again
 * and re-marshals with Go's encoder. So the models leave the defaults out and are Go-marshalled here.
 */
export function ruleData(rule: Pick<AlertRuleDefinition, "expr" | "comparison" | "threshold">) {
    const query = {
        datasource: { type: "prometheus", uid: DATASOURCE_UIDS.prometheus },
        editorMode: "code",
        expr: rule.expr,
        instant: true,
        range: false,
        refId: REF_IDS.query,
    };
    // Strict mode (no `settings`): an instant query gives one value per series, nothing to drop.
    const reduce = { datasource: EXPRESSION_DATASOURCE, expression: REF_IDS.query, reducer: "last", refId: REF_IDS.reduce, type: "reduce" };
    const condition = {
        conditions: [{ evaluator: { params: [rule.threshold], type: rule.comparison } }],
        datasource: EXPRESSION_DATASOURCE,
        expression: REF_IDS.reduce,
        refId: REF_IDS.condition,
        type: "threshold",
    };
    const expressionRange = { from: 0, to: 0 };
    return [
        {
            refId: REF_IDS.query,
            queryType: "",
            datasourceUid: DATASOURCE_UIDS.prometheus,
            relativeTimeRange: { from: QUERY_RANGE_SECONDS, to: 0 },
            model: goJsonMarshal(query),
        },
        { refId: REF_IDS.reduce, queryType: "", datasourceUid: EXPRESSION_DATASOURCE.uid, relativeTimeRange: expressionRange, model: goJsonMarshal(reduce) },
        {
            refId: REF_IDS.condition,
            queryType: "",
            datasourceUid: EXPRESSION_DATASOURCE.uid,
            relativeTimeRange: expressionRange,
            model: goJsonMarshal(condition),
        },
    ];
}

/** `for` as the provider reads it back (Go's time.Duration printing): "5m" goes out as "5m0s". */
export const grafanaFor = (rule: Pick<AlertRuleDefinition, "for">): string => goDurationString(durationSeconds(rule.for));

export function ruleLabels(rule: AlertRuleDefinition): Record<string, string> {
    return { severity: rule.severity, ...(rule.team ? { team: rule.team } : {}) };
}

export function ruleAnnotations(rule: AlertRuleDefinition): Record<string, string> {
    return { summary: rule.summary, description: rule.description, runbook_url: rule.runbookUrl };
}

/** One rule group per definition, in its folder, evaluated at the group's interval. */
export function createRuleGroups(
    name: string,
    groups: RuleGroupDefinition[],
    folderUids: Record<"alerts" | "slos", pulumi.Input<string>>,
    options: {
        disableProvenance: boolean;
        /** What each group waits for: the notification policy, the recording rules its expressions read. */
        dependsOn?: (group: RuleGroupDefinition) => pulumi.Resource[];
    },
    opts: Omit<pulumi.CustomResourceOptions, "dependsOn">,
): grafana.alerting.RuleGroup[] {
    return groups.map(
        (group) =>
            new grafana.alerting.RuleGroup(
                `${name}-rule-group-${group.folder}-${group.name}`,
                {
                    name: group.name,
                    folderUid: folderUids[group.folder],
                    intervalSeconds: durationSeconds(group.interval),
                    disableProvenance: options.disableProvenance,
                    rules: group.rules.map((rule) => ({
                        uid: rule.uid,
                        name: rule.title,
                        condition: REF_IDS.condition,
                        datas: ruleData(rule),
                        for: grafanaFor(rule),
                        noDataState: rule.noDataState,
                        execErrState: rule.execErrState,
                        isPaused: false,
                        labels: ruleLabels(rule),
                        annotations: ruleAnnotations(rule),
                    })),
                },
                { ...opts, dependsOn: options.dependsOn?.(group) ?? [] },
            ),
    );
}

const PROMQL_OPERATORS = { gt: ">", lt: "<" } as const;

/** The alert condition as one PromQL expression: what the query → last → threshold chain computes. */
export function alertCondition(rule: Pick<AlertRuleDefinition, "expr" | "comparison" | "threshold">): string {
    return `(${rule.expr}) ${PROMQL_OPERATORS[rule.comparison]} ${rule.threshold}`;
}

/** The same groups as a Prometheus rules file (`groups:`), alert names being the Grafana titles. */
export function prometheusRuleFile(groups: RuleGroupDefinition[]): object {
    return {
        groups: groups.map((group) => ({
            name: group.name,
            interval: group.interval,
            rules: group.rules.map((rule) => ({
                alert: rule.title,
                expr: alertCondition(rule),
                for: rule.for,
                labels: ruleLabels(rule),
                annotations: ruleAnnotations(rule),
            })),
        })),
    };
}

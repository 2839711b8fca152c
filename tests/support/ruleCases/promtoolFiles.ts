// `promtool test rules` files built from the deployed rule definitions and their cases: the alert rules (as
// the Prometheus rules file of components/grafana/alerting/ruleGroups.ts) and the SLI recording rules are
// loaded together, the cases' series are fed in a sample a minute, and every check names the exact alerts
// that must fire.
import { stringify } from "yaml";
import { prometheusRuleFile, ruleLabels } from "../../../components/grafana/alerting/ruleGroups";
import { type AlertRuleDefinition, type AlertRuleInput, alertRuleGroups } from "../../../components/grafana/alerting/rules";
import { type RecordingRuleGroup, sloRecordingRuleGroups } from "../../../components/slo/recordingRules";
import type { RuleCase } from "./cases";
import { ruleCases } from "./index";
import type { SyntheticSeries } from "./syntheticSeries";

/** Rule files as promtool loads them, recording rules first: each evaluation sees fresh SLI records. */
export const RULE_FILE_NAMES = { recording: "slo-recording-rules.yml", alerts: "alert-rules.yml" } as const;

/** Input series are one sample a minute; groups evaluate at their own interval. */
const SAMPLE_INTERVAL = "1m";
const DEFAULT_EVALUATION_INTERVAL = "1m";

/** `{{ $labels.name }}`: the one template form annotations may use (Grafana and Prometheus expand it alike). */
export const LABEL_TEMPLATE = /\{\{\s*\$labels\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** An annotation as both engines expand it for an alert with `labels` (missing labels: "<no value>"). */
export function expandAnnotation(template: string, labels: Record<string, string>): string {
    return template.replace(LABEL_TEMPLATE, (_, name: string) => labels[name] ?? "<no value>");
}

export interface AlertExpectation {
    rule: AlertRuleDefinition;
    at: string;
    /** Series labels of each alert that must be firing; empty: none may. */
    firing: Array<Record<string, string>>;
}

export interface SampleExpectation {
    expr: string;
    at: string;
    samples: Array<{ labels: string; value: number }>;
}

/** One promtool test group: series, and what must hold at which times. */
export interface PromtoolTest {
    series: SyntheticSeries[];
    alerts: AlertExpectation[];
    samples?: SampleExpectation[];
}

function expectedAlert(rule: AlertRuleDefinition, seriesLabels: Record<string, string>) {
    const labels = { ...seriesLabels, ...ruleLabels(rule) };
    return {
        exp_labels: labels,
        exp_annotations: {
            summary: expandAnnotation(rule.summary, labels),
            description: expandAnnotation(rule.description, labels),
            runbook_url: rule.runbookUrl,
        },
    };
}

/** A promtool unit-test file (YAML) over the two rule files. */
export function promtoolTestFile(tests: PromtoolTest[], evaluationInterval = DEFAULT_EVALUATION_INTERVAL): string {
    return stringify(
        {
            rule_files: [RULE_FILE_NAMES.recording, RULE_FILE_NAMES.alerts],
            evaluation_interval: evaluationInterval,
            tests: tests.map((test) => ({
                interval: SAMPLE_INTERVAL,
                input_series: test.series,
                alert_rule_test: test.alerts.map(({ rule, at, firing }) => ({
                    eval_time: at,
                    alertname: rule.title,
                    exp_alerts: firing.map((labels) => expectedAlert(rule, labels)),
                })),
                ...(test.samples?.length
                    ? {
                          promql_expr_test: test.samples.map(({ expr, at, samples }) => ({
                              expr,
                              eval_time: at,
                              exp_samples: samples.map(({ labels, value }) => ({ labels, value })),
                          })),
                      }
                    : {}),
            })),
        },
        { lineWidth: 0 },
    );
}

/** One promtool test group per case of a rule. */
export function ruleCaseTests(rule: AlertRuleDefinition, cases: readonly RuleCase[]): PromtoolTest[] {
    return cases.map((ruleCase) => ({
        series: ruleCase.series,
        alerts: ruleCase.checks.map(({ at, firing }) => ({ rule, at, firing })),
    }));
}

/** The two rule files' contents. */
export function promtoolRuleFiles(input: AlertRuleInput, recording: RecordingRuleGroup[] = sloRecordingRuleGroups(input.services)): Record<string, string> {
    return {
        [RULE_FILE_NAMES.recording]: stringify({ groups: recording }, { lineWidth: 0 }),
        [RULE_FILE_NAMES.alerts]: stringify(prometheusRuleFile(alertRuleGroups(input)), { lineWidth: 0 }),
    };
}

export interface RuleSuite {
    rule: AlertRuleDefinition;
    cases: readonly RuleCase[];
    /** The rule's test file name and its YAML. */
    testFile: { name: string; content: string };
}

/** A promtool test file per deployed rule, from its own cases, over every rule of the stack. */
export function promtoolRuleSuites(input: AlertRuleInput): RuleSuite[] {
    return alertRuleGroups(input).flatMap((group) =>
        group.rules.map((rule) => {
            const cases = ruleCases(input, rule);
            return { rule, cases, testFile: { name: `test-${rule.uid}.yml`, content: promtoolTestFile(ruleCaseTests(rule, cases), group.interval) } };
        }),
    );
}

// What a promtool case of an alert rule is, and the cases every rule on a counter of lost data shares
// (components/grafana/alerting/eventRules.ts).
import type { AlertRuleDefinition, AlertRuleInput } from "../../../components/grafana/alerting/rules";
import { counter, type SyntheticSeries, series } from "./syntheticSeries";

/** At `at` (time after the series start), exactly these alerts fire; an empty list means silence. */
export interface AlertCheck {
    at: string;
    /** Each firing alert's labels from its series (the rule's severity, team and alertname come on top). */
    firing: Array<Record<string, string>>;
}

/** Series that drive a rule's metrics, and what the rule must do with them over time. */
export interface RuleCase {
    name: string;
    series: SyntheticSeries[];
    checks: AlertCheck[];
}

/**
 * The cases of rules by UID: each builds them for the stack's rule input (its namespace, its services)
 * and the rule as deployed. Every rule needs at least one check where it fires and one where it stays silent.
 */
export type RuleCases = Record<string, (input: AlertRuleInput, rule: AlertRuleDefinition) => RuleCase[]>;

export type Labels = Record<string, string>;

/** Cases of an event rule: `metric` grows (one series per label set) and fires after `forMinutes`. */
export function eventCases(metric: string, firing: Labels, silent: Labels[], forMinutes: number): RuleCase[] {
    const minutes = forMinutes + 15;
    return [
        {
            name: `${metric} grows by 10 a minute`,
            series: [series(metric, firing, counter([{ minutes, value: 10 }]))],
            // Counters need two samples for a rate, so the condition holds from minute 1.
            checks: [
                { at: `${forMinutes}m`, firing: [] },
                { at: `${forMinutes + 5}m`, firing: [firing] },
            ],
        },
        {
            name: `${metric} stays flat, or grows where the rule does not look`,
            series: [
                series(metric, firing, counter([{ minutes, value: 0 }])),
                ...silent.map((labels) => series(metric, labels, counter([{ minutes, value: 10 }]))),
            ],
            checks: [{ at: `${minutes}m`, firing: [] }],
        },
    ];
}

/** Two series of one counter: `bad` grows by `badPerMinute`, `good` by the rest of 100 a minute. */
export function shareOf(metric: string, good: Labels, bad: Labels, badPerMinute: number, minutes: number) {
    return [series(metric, good, counter([{ minutes, value: 100 - badPerMinute }])), series(metric, bad, counter([{ minutes, value: badPerMinute }]))];
}

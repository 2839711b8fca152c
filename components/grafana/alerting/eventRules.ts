// Rules on counters of lost data (failures, drops, refusals): any sustained increase is worth a look, so
// they fire on a rate above zero. The pipeline's backends write their health rules with these
// (components/<backend>/healthRules.ts).

import { PLATFORM_TEAM } from "../../vocabulary";
import type { AlertRuleDefinition, RuleCase } from "./rules";
import { counter, series } from "./syntheticSeries";

export type Labels = Record<string, string>;

/** A rule counting events (failures, drops): it fires once events keep coming for its `for`. */
export function eventRule(rule: Omit<AlertRuleDefinition, "comparison" | "threshold" | "team" | "noDataState" | "execErrState">) {
    // Counters appear on the first event: no series means nothing happened.
    return { ...rule, comparison: "gt", threshold: 0, team: PLATFORM_TEAM, noDataState: "OK", execErrState: "Error" } as const;
}

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

// Rules on counters of lost data (failures, drops, refusals): any sustained increase is worth a look, so
// they fire on a rate above zero. The pipeline's backends write their health rules with these
// (components/<backend>/healthRules.ts).

import { PLATFORM_TEAM } from "../../vocabulary";
import type { AlertRuleDefinition } from "./rules";

/** A rule counting events (failures, drops): it fires once events keep coming for its `for`. */
export function eventRule(rule: Omit<AlertRuleDefinition, "comparison" | "threshold" | "team" | "noDataState" | "execErrState">) {
    // Counters appear on the first event: no series means nothing happened.
    return { ...rule, comparison: "gt", threshold: 0, team: PLATFORM_TEAM, noDataState: "OK", execErrState: "Error" } as const;
}

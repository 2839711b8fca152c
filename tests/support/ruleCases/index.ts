// The promtool cases of every alert rule the program deploys, by rule UID: test data, kept out of the build
// (tsconfig.build.json compiles index.ts, components/ and stacks/ only; tests/engines/compiled-program.test.ts
// checks that none of this reaches bin/). tests/unit/rule-cases.test.ts fails for a deployed rule without cases.
import type { AlertRuleDefinition, AlertRuleInput } from "../../../components/grafana/alerting/rules";
import type { RuleCase, RuleCases } from "./cases";
import { COLLECTOR_CASES } from "./collector";
import { GRAFANA_CASES } from "./grafana";
import { LOKI_CASES } from "./loki";
import { PROMETHEUS_CASES } from "./prometheus";
import { PYROSCOPE_CASES } from "./pyroscope";
import { SERVICE_HEALTH_CASES } from "./serviceHealth";
import { SLO_CASES } from "./slo";
import { STACK_CASES } from "./stack";
import { TEMPO_CASES } from "./tempo";

/** One table of every file's cases; a UID in two files is refused rather than one silently replacing the other. */
function byUid(...tables: RuleCases[]): RuleCases {
    const all: RuleCases = {};
    for (const table of tables) {
        for (const [uid, cases] of Object.entries(table)) {
            if (Object.hasOwn(all, uid)) throw new Error(`two sets of promtool cases for rule ${uid}`);
            all[uid] = cases;
        }
    }
    return all;
}

export const RULE_CASES: RuleCases = byUid(
    SERVICE_HEALTH_CASES,
    PROMETHEUS_CASES,
    GRAFANA_CASES,
    LOKI_CASES,
    TEMPO_CASES,
    PYROSCOPE_CASES,
    COLLECTOR_CASES,
    STACK_CASES,
    SLO_CASES,
);

/** The cases of one deployed rule, for the stack's rule input; a rule without cases is an error. */
export function ruleCases(input: AlertRuleInput, rule: AlertRuleDefinition): RuleCase[] {
    const build = Object.hasOwn(RULE_CASES, rule.uid) ? RULE_CASES[rule.uid] : undefined;
    if (!build) throw new Error(`alert rule ${rule.uid} has no promtool cases: add them under its UID in tests/support/ruleCases/`);
    return build(input, rule);
}

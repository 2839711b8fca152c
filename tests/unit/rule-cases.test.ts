import "../helpers/pulumi";
import * as assert from "assert";
import { type AlertRuleDefinition, alertRuleGroups, alertRuleInput } from "../../components/grafana/alerting/rules";
import { loadStack, STACK_NAMES } from "../helpers/stacks";
import { RULE_CASES, ruleCases } from "../support/ruleCases";

// The cases live in the tests' tree, away from the rules they prove: these checks keep the two together, so a
// rule cannot be deployed without the promtool cases tests/engines/promtool-rules.test.ts runs.
const deployed = STACK_NAMES.map((stack) => {
    const input = alertRuleInput(loadStack(stack).config);
    return { stack, input, rules: alertRuleGroups(input).flatMap((group) => group.rules) };
});

describe("promtool cases of the alert rules (tests/support/ruleCases)", () => {
    for (const { stack, input, rules } of deployed) {
        it(`${stack}: every deployed rule has cases, with a check where it fires and one where it stays silent`, () => {
            assert.ok(rules.length > 0);
            for (const rule of rules) {
                const cases = ruleCases(input, rule);
                assert.ok(cases.length > 0, `${rule.uid} has no cases`);
                assert.ok(
                    cases.every((c) => c.series.length > 0 && c.checks.length > 0),
                    `${rule.uid} has a case without series or checks`,
                );
                const checks = cases.flatMap((c) => c.checks);
                assert.ok(
                    checks.some((c) => c.firing.length > 0),
                    `${rule.uid} has no case that makes it fire`,
                );
                assert.ok(
                    checks.some((c) => c.firing.length === 0),
                    `${rule.uid} has no case where it must stay silent`,
                );
            }
        });
    }

    it("holds cases only for rules a committed stack deploys: a renamed or removed rule leaves none behind", () => {
        const uids = new Set(deployed.flatMap(({ rules }) => rules.map((rule) => rule.uid)));
        assert.deepStrictEqual(
            Object.keys(RULE_CASES).filter((uid) => !uids.has(uid)),
            [],
        );
    });

    it("refuses a deployed rule without cases, naming it", () => {
        const { input, rules } = deployed[0];
        const untested: AlertRuleDefinition = { ...rules[0], uid: "stack-new-rule" };
        assert.throws(() => ruleCases(input, untested), /alert rule stack-new-rule has no promtool cases/);
        // Inherited properties are not cases either.
        assert.throws(() => ruleCases(input, { ...rules[0], uid: "constructor" }), /alert rule constructor has no promtool cases/);
    });
});

import "../helpers/pulumi";
import * as assert from "assert";
import { type AlertRuleInput, alertRuleInput } from "../../components/grafana/alerting/rules";
import { promtoolVersion, runPromtool } from "../helpers/promtool";
import { loadStack, STACK_NAMES } from "../helpers/stacks";
import { promtoolRuleFiles, promtoolRuleSuites, promtoolTestFile, type RuleSuite, ruleCaseTests } from "../support/ruleCases/promtoolFiles";

const inputOf = (stack: string): AlertRuleInput => {
    return alertRuleInput(loadStack(stack).config);
};

/** Runs one rule's promtool test file over the stack's rule files. */
function runSuite(input: AlertRuleInput, suite: Pick<RuleSuite, "testFile">) {
    const files = promtoolRuleFiles(input);
    return runPromtool(["test", "rules", suite.testFile.name], { ...files, [suite.testFile.name]: suite.testFile.content });
}

describe(`alert rules under promtool (${promtoolVersion()})`, () => {
    for (const stack of STACK_NAMES) {
        it(`${stack}: the Prometheus rendering of the rules passes promtool check rules`, () => {
            const files = promtoolRuleFiles(inputOf(stack));
            const result = runPromtool(["check", "rules", ...Object.keys(files)], files);
            assert.ok(result.ok, result.output);
        });
    }

    // Each rule once, from the first stack that deploys it: production has two SLO services with different
    // objectives, staging alone scrapes the control plane (tests/unit/rule-cases.test.ts: every rule has cases).
    const tested = new Set<string>();
    for (const stack of ["dev", "production", "staging"] as const) {
        const input = inputOf(stack);
        for (const suite of promtoolRuleSuites(input)) {
            if (tested.has(suite.rule.uid)) continue;
            tested.add(suite.rule.uid);
            it(`${suite.rule.title}: ${suite.cases.map((c) => c.name).join("; ")}`, () => {
                const result = runSuite(input, suite);
                assert.ok(result.ok, result.output);
                assert.match(result.output, /SUCCESS/);
            });
        }
    }

    it("fails a rule whose cases expect the wrong outcome (the harness can fail)", () => {
        const input = inputOf("dev");
        const [suite] = promtoolRuleSuites(input).filter((s) => s.rule.uid === "high-error-rate");
        const silenced = suite.cases.map((c) => ({ ...c, checks: c.checks.map((check) => ({ ...check, firing: [] })) }));
        const result = runSuite(input, { testFile: { name: "wrong.yml", content: promtoolTestFile(ruleCaseTests(suite.rule, silenced)) } });
        assert.strictEqual(result.ok, false);
        assert.match(result.output, /alertname: High Error Rate/);
    });

    it("fails a rule whose threshold moved (the cases pin the threshold)", () => {
        const input = inputOf("dev");
        const [suite] = promtoolRuleSuites(input).filter((s) => s.rule.uid === "high-error-rate");
        const loosened = { ...suite.rule, threshold: 1 };
        const files = promtoolRuleFiles(input);
        // The rules file with the moved threshold, and the unchanged cases: "2% fail" must now fire.
        const alerts = files["alert-rules.yml"].replace(/(alert: High Error Rate\n\s+expr: .*\)) > 5\n/, `$1 > ${loosened.threshold}\n`);
        assert.notStrictEqual(alerts, files["alert-rules.yml"]);
        const result = runPromtool(["test", "rules", suite.testFile.name], {
            ...files,
            "alert-rules.yml": alerts,
            [suite.testFile.name]: suite.testFile.content,
        });
        assert.strictEqual(result.ok, false, result.output);
    });
});

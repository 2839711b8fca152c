import "../helpers/pulumi";
import * as assert from "assert";
import { ruleLabels } from "../../components/grafana/alerting/ruleGroups";
import { alertRuleGroups, alertRuleInput } from "../../components/grafana/alerting/rules";
import {
    type BuiltRouting,
    buildRouting,
    muteTimingsNamed,
    ofType,
    onlyOne,
    type PolicyNode,
    policyTree,
    receiversNamed,
    route,
    seconds,
    TYPES,
} from "../helpers/alertRouting";
import { STACK_NAMES } from "../helpers/stacks";

/** The kind of integration behind each contact point name. */
function receiverKinds(built: BuiltRouting): Record<string, string> {
    return Object.fromEntries(
        ofType(built.resources, TYPES.contactPoint).map((point) => {
            const kind = ["slacks", "emails", "pagerduties"].find((key) => point.inputs[key] !== undefined);
            return [point.inputs.name, kind!];
        }),
    );
}
/** Kinds of integration an alert with these labels reaches, sorted. */
const reaches = (built: BuiltRouting, labels: Record<string, string>) =>
    route(policyTree(built.resources), labels)
        .map((delivery) => receiverKinds(built)[delivery.receiver])
        .sort();
const defaultKind = (built: BuiltRouting) => receiverKinds(built)[policyTree(built.resources).contactPoint!];

describe("notification policy", () => {
    const built: Record<string, BuiltRouting> = {};
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = await buildRouting(stack);
    });

    it("reads a tree the way Alertmanager does: first match wins unless it continues, the parent only takes the rest", () => {
        const tree: PolicyNode = {
            contactPoint: "root",
            groupBies: ["alertname"],
            repeatInterval: "4h",
            policies: [
                { contactPoint: "a", matchers: [{ label: "team", match: "=", value: "x" }], continue: true, muteTimings: ["m"] },
                { contactPoint: "b", matchers: [{ label: "team", match: "=~", value: "x|y" }], repeatInterval: "1h" },
                { contactPoint: "c", matchers: [{ label: "team", match: "=~", value: "x|y" }] },
            ],
        };
        assert.deepStrictEqual(
            route(tree, { team: "x" }).map((d) => [d.receiver, d.muteTimings, d.repeatInterval]),
            [
                ["a", ["m"], "4h"],
                ["b", [], "1h"],
            ],
        );
        assert.deepStrictEqual(
            route(tree, { team: "y" }).map((d) => d.receiver),
            ["b"],
        );
        assert.deepStrictEqual(
            route(tree, { team: "xy" }).map((d) => d.receiver),
            ["root"],
        );
        assert.deepStrictEqual(
            route(tree, {}).map((d) => d.groupBy),
            [["alertname"]],
        );
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it("owns the one policy tree, naming only contact points and mute timings created with it", () => {
                const tree = policyTree(built[stack].resources);
                const points = ofType(built[stack].resources, TYPES.contactPoint).map((p) => p.inputs.name);
                for (const receiver of receiversNamed(tree)) assert.ok(points.includes(receiver), `${receiver} is not a contact point of this stack`);
                const timings = ofType(built[stack].resources, TYPES.muteTiming).map((t) => t.inputs.name);
                for (const timing of muteTimingsNamed(tree)) assert.ok(timings.includes(timing), `mute timing ${timing} does not exist`);
            });

            it("groups by alert name and severity and waits 30s, 5m between updates, 4h between repeats (the guide's tree)", () => {
                const tree = policyTree(built[stack].resources);
                assert.deepStrictEqual(tree.groupBies, ["alertname", "severity"]);
                assert.deepStrictEqual([tree.groupWait, tree.groupInterval, tree.repeatInterval], ["30s", "5m", "4h"]);
            });

            it("creates the policy after every contact point and mute timing it names", () => {
                const { routing, optionsOf } = built[stack];
                const dependsOn = ([] as unknown[]).concat(optionsOf(routing.notificationPolicy).dependsOn ?? []);
                for (const needed of [...routing.contactPoints, routing.muteTiming]) assert.ok(dependsOn.includes(needed));
            });
        });
    }

    it("dev sends everything to its undeliverable fallback, whatever the severity", () => {
        for (const severity of ["critical", "warning", "info", ""]) {
            const deliveries = route(policyTree(built.dev.resources), { alertname: "X", severity });
            assert.deepStrictEqual(
                deliveries.map((d) => d.receiver),
                [policyTree(built.dev.resources).contactPoint],
            );
        }
        const fallback = onlyOne(built.dev.resources, TYPES.contactPoint).inputs.emails[0];
        assert.ok(fallback.addresses.every((a: string) => a.endsWith(".invalid")));
    });

    it("staging: Slack by default, warnings by email, nothing pages", () => {
        assert.strictEqual(defaultKind(built.staging), "slacks");
        assert.deepStrictEqual(reaches(built.staging, { alertname: "X", severity: "critical" }), ["slacks"]);
        assert.deepStrictEqual(reaches(built.staging, { alertname: "X", severity: "warning" }), ["emails"]);
        assert.deepStrictEqual(reaches(built.staging, { alertname: "X", severity: "info" }), ["slacks"]);
    });

    it("production: critical pages on-call and still reaches Slack; warnings go by email and never page", () => {
        assert.strictEqual(defaultKind(built.production), "slacks");
        assert.deepStrictEqual(reaches(built.production, { alertname: "X", severity: "critical" }), ["pagerduties", "slacks"]);
        assert.deepStrictEqual(reaches(built.production, { alertname: "X", severity: "warning" }), ["emails"]);
        assert.deepStrictEqual(reaches(built.production, { alertname: "X" }), ["slacks"]);
    });

    it("production's page route matches severity=critical, continues, and is muted in the maintenance window", () => {
        const tree = policyTree(built.production.resources);
        const kinds = receiverKinds(built.production);
        const pages = (tree.policies ?? []).filter((p: PolicyNode) => kinds[p.contactPoint!] === "pagerduties");
        assert.strictEqual(pages.length, 1);
        assert.deepStrictEqual(pages[0].matchers, [{ label: "severity", match: "=", value: "critical" }]);
        assert.strictEqual(pages[0].continue, true);
        assert.deepStrictEqual(pages[0].muteTimings, [built.production.config.alerting.maintenanceWindow.name]);
        // The team channel stays informed during maintenance: only the page is muted.
        const deliveries = route(tree, { alertname: "X", severity: "critical" });
        const toSlack = deliveries.find((d) => kinds[d.receiver] === "slacks")!;
        assert.deepStrictEqual(toSlack.muteTimings, []);
    });

    it("repeats warnings less often than the default and waits a little longer for them (the guide's email route)", () => {
        for (const stack of ["staging", "production"]) {
            const tree = policyTree(built[stack].resources);
            const [warning] = route(tree, { alertname: "X", severity: "warning" });
            assert.ok(seconds(warning.repeatInterval!) >= 12 * 3600, `warnings repeat every ${warning.repeatInterval}`);
            assert.ok(seconds(warning.repeatInterval!) > seconds(tree.repeatInterval!));
            assert.ok(seconds(warning.groupWait!) >= seconds(tree.groupWait!));
            assert.deepStrictEqual(warning.groupBy, ["alertname", "severity"]);
        }
    });

    it("routes every severity our alert rules carry to a contact point that exists, and pages every critical rule in production", () => {
        for (const stack of STACK_NAMES) {
            const { config, resources } = built[stack];
            const groups = alertRuleGroups(alertRuleInput(config));
            const labelSets = groups.flatMap((group) => group.rules.map((rule): Record<string, string> => ({ alertname: rule.title, ...ruleLabels(rule) })));
            assert.ok(labelSets.length > 0, `${stack} has no alert rules`);
            const points = ofType(resources, TYPES.contactPoint).map((p) => p.inputs.name);
            for (const labels of labelSets) {
                const deliveries = route(policyTree(resources), labels);
                assert.ok(deliveries.length > 0);
                for (const { receiver } of deliveries) assert.ok(points.includes(receiver), `${labels.alertname} goes to ${receiver}`);
                if (stack === "production" && labels.severity === "critical") {
                    assert.ok(reaches(built[stack], labels).includes("pagerduties"), `${labels.alertname} does not page`);
                }
            }
            const severities = new Set(labelSets.map((labels) => labels.severity));
            assert.ok(severities.has("critical") && severities.has("warning"), `${stack} rules carry severities ${[...severities].join(", ")}`);
        }
    });

    it("mutes on the configured weekdays, hours and time zone", async () => {
        const window = built.production.config.alerting.maintenanceWindow;
        const timing = onlyOne(built.production.resources, TYPES.muteTiming).inputs;
        assert.strictEqual(timing.name, window.name);
        assert.deepStrictEqual(timing.intervals, [
            { weekdays: window.weekdays, times: [{ start: window.startTime, end: window.endTime }], location: window.location },
        ]);

        const moved = await buildRouting("production", {
            alerting:
                '{"maintenanceWindow":{"name":"patch-tuesday","weekdays":["tuesday","wednesday"],"startTime":"22:30","endTime":"23:45","location":"Europe/Berlin"}}',
        });
        const movedTiming = onlyOne(moved.resources, TYPES.muteTiming).inputs;
        assert.deepStrictEqual(movedTiming, {
            ...movedTiming,
            name: "patch-tuesday",
            intervals: [{ weekdays: ["tuesday", "wednesday"], times: [{ start: "22:30", end: "23:45" }], location: "Europe/Berlin" }],
        });
        const page = route(policyTree(moved.resources), { alertname: "X", severity: "critical" }).find((d) => d.muteTimings.length > 0);
        assert.deepStrictEqual(page?.muteTimings, ["patch-tuesday"]);
    });

    it("follows disableProvenance on the policy and the mute timing", async () => {
        for (const type of [TYPES.notificationPolicy, TYPES.muteTiming]) {
            assert.strictEqual(onlyOne(built.production.resources, type).inputs.disableProvenance, false, type);
        }
        const editable = await buildRouting("production", { alerting: '{"disableProvenance":true}' });
        for (const type of [TYPES.notificationPolicy, TYPES.muteTiming]) {
            assert.strictEqual(onlyOne(editable.resources, type).inputs.disableProvenance, true, type);
        }
    });

    it("falls back to email as the default when Slack is off, and still pages criticals", async () => {
        const noSlack = await buildRouting("production", { alerting: '{"slack":{"enabled":false}}' });
        assert.strictEqual(defaultKind(noSlack), "emails");
        assert.deepStrictEqual(reaches(noSlack, { alertname: "X", severity: "critical" }), ["emails", "pagerduties"]);
        assert.deepStrictEqual(reaches(noSlack, { alertname: "X", severity: "warning" }), ["emails"]);
    });
});

// What Grafana stores and the provider reads back must equal what the program sends, or every preview
// reports a diff. No Grafana server and no Terraform run here, so each `readBack*` below is a hand-written
// port of the provider's Read (and of Grafana's normalisation before it), citing file and function in
// terraform-provider-grafana (internal/resources/grafana/) and Grafana/Prometheus. They are models: a
// provider upgrade that changes a Read needs the port updated (the report lists what only a server proves).

import type * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import * as assert from "assert";
import { createRouting, routingDefinition } from "../../components/grafana/alerting/routing";
import { createRuleGroups } from "../../components/grafana/alerting/ruleGroups";
import { alertRuleGroups, alertRuleInput } from "../../components/grafana/alerting/rules";
import { goDurationString, goJsonMarshal, prometheusDurationString } from "../../components/grafana/alerting/wireFormat";
import { ofType, TYPES } from "../helpers/alertRouting";
import { buildContent } from "../helpers/grafanaContent";
import { captureResources, type RecordedResource, unwrapSecrets } from "../helpers/pulumi";
import { loadStack, STACK_NAMES } from "../helpers/stacks";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
/** Milliseconds of a Go (strfmt.ParseDuration: Go units plus d, w) or Prometheus duration; throws on anything else. */
function durationMs(text: string, units: RegExp): number {
    const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
    assert.ok(parts.length > 0 && parts.every((p) => units.test(p[2])) && parts.map((p) => p[0]).join("") === text, `not a duration: ${text}`);
    return parts.reduce((total, [, n, unit]) => total + Number(n) * UNIT_MS[unit], 0);
}

/** Grafana AlertQuery.PreSave (pkg/services/ngalert/models/alert_query.go) then the provider's normalizeModelJSON. */
function readBackModel(sent: string): string {
    const stored = { intervalMs: 1000, maxDataPoints: 43200, ...JSON.parse(sent) }; // setIntervalMS, setMaxDatapoints
    if (stored.intervalMs === 1000) delete stored.intervalMs; // resource_alerting_rule_group.go, normalizeModelJSON
    if (stored.maxDataPoints === 43200) delete stored.maxDataPoints;
    return goJsonMarshal(stored); // json.Marshal(modelMap)
}
/** packAlertRule: `r.For.String()` of strfmt.Duration, i.e. Go's time.Duration printing. */
const readBackFor = (sent: string) => goDurationString(durationMs(sent, /^(ms|s|m|h|d|w)$/) / 1000);
/** Grafana keeps route timings as model.Duration (prometheus/common), packSpecificPolicy copies its text. */
const readBackRouteDuration = (sent: string) => prometheusDurationString(durationMs(sent, /^(ms|s|m|h|d|w|y)$/));
/** datasourceConfigToState: json.Marshal of Grafana's jsonData without httpHeaderName* keys (removeHeadersFromJSONData). */
function readBackJsonData(sent: string): string {
    const stored = Object.fromEntries(Object.entries(JSON.parse(sent)).filter(([key]) => !key.startsWith("httpHeaderName") && key !== "teamHttpHeaders"));
    return goJsonMarshal(stored);
}
/** Email `addresses`: unpackAddrs joins with ";", packAddrs splits on ",", ";" and newlines (resource_alerting_contact_point_notifiers.go). */
const readBackAddresses = (sent: string[]) =>
    sent
        .join(";")
        .split(/[,;\n]/)
        .filter((part) => part !== "");
/** Alertmanager timeinterval (Grafana stores mute timings with it): weekday ranges print lower-case, times as %02d:%02d of minutes. */
const readBackWeekday = (sent: string) => sent.toLowerCase();
function readBackTimeOfDay(sent: string): string {
    const [hours, minutes] = sent.split(":").map(Number);
    const total = hours * 60 + minutes;
    return `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
}
/** Message template: the provider's semantic equality trims (resource_alerting_message_template_value.go, Normalized). */
const readBackTemplate = (sent: string) => sent.trim();

let runs = 0;
async function buildAlerting(stack: string) {
    const { config, secrets } = loadStack(stack);
    const options = new Map<string, pulumi.ResourceOptions>();
    const record: pulumi.ResourceTransformation = ({ name, opts }) => {
        options.set(name, opts);
        return undefined;
    };
    const name = `read-back-${stack}-${++runs}`;
    const resources: RecordedResource[] = await captureResources(() => {
        const provider = new grafana.Provider(`${name}-provider`, { url: "http://grafana.test:3000", auth: "test-token" });
        createRouting(
            name,
            routingDefinition({ settings: config.alerting, slackToken: secrets.slackToken, pagerdutyIntegrationKey: secrets.pagerdutyIntegrationKey }),
            { disableProvenance: false },
            { provider, transformations: [record] },
        );
        createRuleGroups(name, alertRuleGroups(alertRuleInput(config)), { alerts: "alerts", slos: "slos" }, { disableProvenance: false }, { provider });
    });
    const inputs = (type: string) => ofType(resources, type).map((r) => ({ name: r.name, inputs: unwrapSecrets(r.inputs) as any }));
    return { config, options, inputs };
}

for (const stack of STACK_NAMES) {
    describe(`read-back (${stack}): what the provider stores equals what the program sends`, () => {
        let built: Awaited<ReturnType<typeof buildAlerting>>;
        before(async () => {
            built = await buildAlerting(stack);
        });

        it("rule groups: each model, `for` and time range come back as sent", () => {
            const groups = built.inputs(TYPES.ruleGroup);
            assert.ok(groups.length > 0);
            for (const { inputs } of groups) {
                for (const rule of inputs.rules) {
                    assert.strictEqual(readBackFor(rule.for), rule.for, `${rule.uid}: for`);
                    for (const data of rule.datas) {
                        assert.strictEqual(readBackModel(data.model), data.model, `${rule.uid}/${data.refId}: model`);
                        // relative_time_range is whole seconds both ways (packRuleData, unpackRuleData).
                        assert.ok(Number.isInteger(data.relativeTimeRange.from) && Number.isInteger(data.relativeTimeRange.to));
                    }
                }
                assert.ok(Number.isInteger(inputs.intervalSeconds), "interval_seconds is an integer in Grafana's API");
            }
        });

        it("notification policy: every timing as Grafana prints it, matchers as sent", () => {
            const [policy] = built.inputs(TYPES.notificationPolicy);
            const nodes = [policy.inputs, ...(policy.inputs.policies ?? [])];
            for (const node of nodes) {
                for (const field of ["groupWait", "groupInterval", "repeatInterval"] as const) {
                    if (node[field] !== undefined) assert.strictEqual(readBackRouteDuration(node[field]), node[field], `${node.contactPoint}: ${field}`);
                }
                // packPolicyMatcher returns ObjectMatcher [label, match, value] unchanged.
                for (const matcher of node.matchers ?? []) assert.deepStrictEqual(Object.keys(matcher).sort(), ["label", "match", "value"]);
            }
        });

        it("mute timing: weekdays, times and location as Alertmanager prints them", () => {
            const [timing] = built.inputs(TYPES.muteTiming);
            for (const interval of timing.inputs.intervals) {
                assert.deepStrictEqual(interval.weekdays.map(readBackWeekday), interval.weekdays);
                for (const time of interval.times) assert.deepStrictEqual([readBackTimeOfDay(time.start), readBackTimeOfDay(time.end)], [time.start, time.end]);
                assert.ok(interval.location, "packIntervals drops an empty location: always send one");
            }
        });

        it("message template: nothing to trim", () => {
            const [template] = built.inputs(TYPES.messageTemplate);
            assert.strictEqual(readBackTemplate(template.inputs.template), template.inputs.template);
        });

        it("contact points: every non-secret field comes back as sent", () => {
            const points = built.inputs(TYPES.contactPoint);
            assert.ok(points.length > 0);
            for (const { inputs } of points) {
                for (const email of inputs.emails ?? []) assert.deepStrictEqual(readBackAddresses(email.addresses), email.addresses);
                for (const integration of [...(inputs.emails ?? []), ...(inputs.slacks ?? []), ...(inputs.pagerduties ?? [])]) {
                    // unpackPointConfig drops "" settings; the schema reads a missing one back as "", so only a
                    // non-empty value survives the trip unchanged, and none of ours is empty.
                    for (const [key, value] of Object.entries(integration)) assert.notStrictEqual(value, "", `${inputs.name}: ${key}`);
                }
            }
        });

        it("contact points: none ignores a change unless it is sent exactly what was sent before (pulumiverse/pulumi-grafana#379)", () => {
            // ignoreChanges re-sends the old value, so an unconditional one would keep a rotated token out of
            // Grafana; only contact points whose fingerprint matches the last deployment's are ignored, and
            // routing is told which (tests/engines/contact-point-secrets.test.ts). Here it is told none.
            for (const { name } of built.inputs(TYPES.contactPoint)) assert.deepStrictEqual(built.options.get(name)?.ignoreChanges ?? [], [], name);
        });

        it("datasources: jsonData in the provider's own encoding", async () => {
            const { datasources, resources } = await buildContent(stack);
            assert.ok(datasources.length >= 3);
            for (const resource of ofType(resources, "grafana:oss/dataSource:DataSource")) {
                const sent = resource.inputs.jsonDataEncoded as string;
                assert.strictEqual(readBackJsonData(sent), sent, resource.inputs.name);
            }
        });
    });
}

describe("read-back: the ports of Grafana's printing", () => {
    it("prints durations as Prometheus and Go do", () => {
        assert.deepStrictEqual(["24h", "168h", "90m", "30s", "4h"].map(readBackRouteDuration), ["1d", "1w", "1h30m", "30s", "4h"]);
        assert.deepStrictEqual(["5m", "0s", "1h", "90s", "3h"].map(readBackFor), ["5m0s", "0s", "1h0m0s", "1m30s", "3h0m0s"]);
    });
    it("marshals JSON as Go does: sorted keys, HTML characters escaped", () => {
        assert.strictEqual(
            goJsonMarshal({ b: "x > 1 && y < 2", a: [{ d: 1, c: 0.5 }] }),
            '{"a":[{"c":0.5,"d":1}],"b":"x \\u003e 1 \\u0026\\u0026 y \\u003c 2"}',
        );
    });
});

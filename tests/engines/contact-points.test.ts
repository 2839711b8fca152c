import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import { MESSAGE_TEMPLATE, routingDefinition, TEMPLATE_NAMES } from "../../components/grafana/alerting/routing";
import { ConfigError } from "../../stacks/config";
import { type BuiltRouting, buildRouting, ofType, onlyOne, TYPES } from "../helpers/alertRouting";
import { isSecret, SECRET_SIG, unwrapSecrets } from "../helpers/pulumi";
import { loadStack, STACK_NAMES, TEST_SECRET_VALUES, testSecrets } from "../helpers/stacks";
import { goTemplates, type NotificationData, readGoTemplate } from "../support/goTemplates";

const isWrapped = (value: unknown): value is { value: unknown } => Boolean(value && typeof value === "object" && SECRET_SIG in value);

/** Whether the value at `path` is a secret or sits inside one, as the engine would store it. */
function secretAt(value: unknown, path: PropertyKey[]): boolean {
    if (isWrapped(value)) return true;
    if (path.length === 0 || !value || typeof value !== "object") return false;
    return secretAt((value as Record<PropertyKey, unknown>)[path[0]], path.slice(1));
}

/** The one integration of a recorded contact point: its kind and settings (secrets unwrapped). */
function integration(point: { inputs: Record<string, any> }): { kind: string; settings: Record<string, any> } {
    const inputs = unwrapSecrets(point.inputs) as Record<string, any>;
    const kinds = Object.keys(inputs).filter((key) => Array.isArray(inputs[key]) && inputs[key].length > 0);
    assert.strictEqual(kinds.length, 1, `${inputs.name} has integrations ${kinds.join(", ")}`);
    assert.strictEqual(inputs[kinds[0]].length, 1);
    return { kind: kinds[0], settings: inputs[kinds[0]][0] };
}
const kindsOf = (built: BuiltRouting) =>
    ofType(built.resources, TYPES.contactPoint)
        .map((p) => integration(p).kind)
        .sort();
const pointOfKind = (built: BuiltRouting, kind: string) => {
    const found = ofType(built.resources, TYPES.contactPoint).filter((p) => integration(p).kind === kind);
    assert.strictEqual(found.length, 1, `expected one ${kind} contact point, found ${found.length}`);
    return { name: found[0].inputs.name as string, ...integration(found[0]) };
};
/** Inputs as JSON with every secret replaced, i.e. what would be visible without decrypting. */
const visible = (value: unknown): string => JSON.stringify(value, (_key, v) => (isWrapped(v) ? "[secret]" : v));
const domainOf = (address: string) => address.slice(address.lastIndexOf("@") + 1);

describe("contact points", () => {
    const built: Record<string, BuiltRouting> = {};
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = await buildRouting(stack);
    });

    it("dev enables no notifier, so its only contact point is an email that cannot be delivered", () => {
        const { alerting } = built.dev.config;
        assert.deepStrictEqual([alerting.slack.enabled, alerting.email.enabled, alerting.pagerduty.enabled], [false, false, false]);
        assert.deepStrictEqual(kindsOf(built.dev), ["emails"]);
        const { settings } = pointOfKind(built.dev, "emails");
        // RFC 2606 reserves ".invalid": no mail server will ever accept it, SMTP relay or not.
        for (const address of settings.addresses) assert.strictEqual(domainOf(address).split(".").pop(), "invalid", address);
        assert.ok(!settings.addresses.some((a: string) => alerting.email.addresses.includes(a)), "dev mails the team although email is disabled");
    });

    it("staging notifies Slack and email, and never pages", () => {
        assert.deepStrictEqual(kindsOf(built.staging), ["emails", "slacks"]);
    });

    it("production adds PagerDuty to Slack and email", () => {
        assert.deepStrictEqual(kindsOf(built.production), ["emails", "pagerduties", "slacks"]);
    });

    it("gives every contact point a distinct name", () => {
        for (const stack of STACK_NAMES) {
            const names = ofType(built[stack].resources, TYPES.contactPoint).map((p) => p.inputs.name);
            assert.strictEqual(new Set(names).size, names.length, stack);
        }
    });

    it("posts to the configured Slack channel as the configured bot, mentioning the configured audience", async () => {
        const slack = pointOfKind(built.staging, "slacks").settings;
        const { slack: config } = built.staging.config.alerting;
        assert.strictEqual(slack.recipient, config.recipient);
        assert.strictEqual(slack.username, config.username);
        assert.strictEqual(slack.mentionChannel, config.mentionChannel);
        const changed = await buildRouting("staging", { alerting: '{"slack":{"recipient":"#payments-oncall","username":"Pager Bot","mentionChannel":""}}' });
        const changedSlack = pointOfKind(changed, "slacks").settings;
        assert.strictEqual(changedSlack.recipient, "#payments-oncall");
        assert.strictEqual(changedSlack.username, "Pager Bot");
        // An empty mention means no ping at all, so nothing is sent for it.
        assert.ok(!changedSlack.mentionChannel, `mentionChannel ${changedSlack.mentionChannel}`);
    });

    it("emails the configured addresses in one message", () => {
        const email = pointOfKind(built.production, "emails").settings;
        assert.deepStrictEqual(email.addresses, built.production.config.alerting.email.addresses);
        assert.strictEqual(email.singleEmail, true);
    });

    it("pages with the configured PagerDuty class, component and group, at severities PagerDuty accepts", () => {
        const pagerduty = pointOfKind(built.production, "pagerduties").settings;
        const { pagerduty: config } = built.production.config.alerting;
        assert.deepStrictEqual([pagerduty.class, pagerduty.component, pagerduty.group], [config.class, config.component, config.group]);
        assert.strictEqual(readGoTemplate("pagerduty severity", pagerduty.severity).error, undefined);
        // Run by Go as Grafana runs the field, for each severity label (none, and one PagerDuty does not know,
        // included): it prints one of the Events API v2 severities, the label's own where PagerDuty has it.
        const expected: Record<string, string> = { critical: "critical", warning: "warning", info: "info", page: "critical", "": "critical" };
        const executions = Object.keys(expected).map((label) => {
            const labels: Record<string, string> = label ? { alertname: "Probe", severity: label } : { alertname: "Probe" };
            return {
                text: pagerduty.severity,
                data: { status: "firing", commonLabels: labels, alerts: [{ status: "firing", labels }] } satisfies NotificationData,
            };
        });
        const printed = goTemplates([], executions).executions;
        Object.entries(expected).forEach(([label, severity], index) => {
            assert.strictEqual(printed[index].error, undefined, printed[index].error);
            assert.strictEqual(printed[index].output, severity, `severity label "${label}"`);
        });
    });

    it("hands the Slack token and the PagerDuty key to Grafana only as Pulumi secrets", () => {
        const recorded = (kind: string) => ofType(built.production.resources, TYPES.contactPoint).find((p) => integration(p).kind === kind)!.inputs;
        assert.ok(secretAt(recorded("slacks"), ["slacks", 0, "token"]), "the Slack token is not a secret");
        assert.strictEqual(pointOfKind(built.production, "slacks").settings.token, TEST_SECRET_VALUES.slackToken);
        assert.ok(secretAt(recorded("pagerduties"), ["pagerduties", 0, "integrationKey"]), "the PagerDuty key is not a secret");
        assert.strictEqual(pointOfKind(built.production, "pagerduties").settings.integrationKey, TEST_SECRET_VALUES.pagerdutyIntegrationKey);
        for (const resource of built.production.resources) {
            const shown = visible(resource.inputs);
            for (const secret of [TEST_SECRET_VALUES.slackToken, TEST_SECRET_VALUES.pagerdutyIntegrationKey]) {
                assert.ok(!shown.includes(secret), `${resource.name} shows a secret in plain text`);
            }
        }
    });

    it("keeps the integrations' settings secret in the contact points' outputs", async () => {
        const points = built.production.routing.contactPoints;
        const withSecrets = [];
        for (const point of points) {
            if (await isSecret(point.slacks)) withSecrets.push("slacks");
            if (await isSecret(point.pagerduties)) withSecrets.push("pagerduties");
        }
        assert.deepStrictEqual(withSecrets.sort(), ["pagerduties", "slacks"]);
    });

    it("makes a token secret even when the caller passes it in plain", async () => {
        const { config } = loadStack("production");
        const definition = routingDefinition({
            settings: config.alerting,
            slackToken: pulumi.output("plain-slack-token"),
            pagerdutyIntegrationKey: "plain-pd-key",
        });
        for (const point of definition.contactPoints) {
            if (point.type === "slack") assert.ok(await isSecret(pulumi.output(point.settings.token!)), "Slack token");
            if (point.type === "pagerduty") assert.ok(await isSecret(pulumi.output(point.settings.integrationKey)), "PagerDuty key");
        }
    });

    // Two alerts of one group, as Grafana hands them to a contact point (grafana/alerting's ExtendedData).
    const sampleGroup: NotificationData = {
        status: "firing",
        commonLabels: { alertname: "ApiErrors", severity: "critical" },
        alerts: [
            {
                status: "firing",
                labels: { alertname: "ApiErrors", severity: "critical", service: "checkout", team: "payments" },
                annotations: { summary: "checkout fails", description: "5% of requests fail", runbook_url: "https://runbooks.example/checkout" },
                dashboardURL: "https://grafana.example/d/checkout",
                silenceURL: "https://grafana.example/alerting/silence/new",
            },
            { status: "resolved", labels: { alertname: "ApiErrors", severity: "critical" } },
        ],
    };

    it("defines one message template Go parses, and every templated field renders from what it defines", () => {
        for (const stack of ["staging", "production"]) {
            const template = onlyOne(built[stack].resources, TYPES.messageTemplate).inputs;
            const group = [{ name: template.name as string, text: template.template as string }];
            const slack = pointOfKind(built[stack], "slacks").settings;
            const email = pointOfKind(built[stack], "emails").settings;
            const fields: Record<string, string> = {
                "slack title": slack.title,
                "slack text": slack.text,
                "email subject": email.subject,
                "email message": email.message,
            };
            if (stack === "production") fields["pagerduty summary"] = pointOfKind(built[stack], "pagerduties").settings.summary;
            const { templates, executions } = goTemplates(
                [...group, ...Object.entries(fields).map(([name, text]) => ({ name, text }))],
                Object.values(fields).map((text) => ({ text, data: sampleGroup })),
            );
            const [reading, ...fieldReadings] = templates;
            assert.strictEqual(reading.error, undefined, `${stack}: ${reading.error}`);
            assert.deepStrictEqual(reading.defined, [TEMPLATE_NAMES.message, TEMPLATE_NAMES.title].sort());
            // Outside its defines the group holds only the blank lines between them.
            assert.deepStrictEqual(
                reading.topLevelText.filter((text) => text.trim() !== ""),
                [],
            );
            Object.keys(fields).forEach((field, index) => {
                const { called, error } = fieldReadings[index];
                assert.strictEqual(error, undefined, `${field}: ${error}`);
                assert.ok(called.length > 0, `${field} uses no template`);
                for (const name of called) assert.ok(reading.defined.includes(name), `${field} calls "${name}", which the template does not define`);
                assert.strictEqual(executions[index].error, undefined, `${field}: ${executions[index].error}`);
            });
            const output = (field: string) => executions[Object.keys(fields).indexOf(field)].output;
            for (const field of ["slack title", "email subject"]) assert.strictEqual(output(field), "[FIRING:1] ApiErrors (critical)", field);
            for (const field of ["slack text", "email message"]) {
                const lines = output(field).split("\n");
                for (const line of [
                    "checkout fails (firing)",
                    "5% of requests fail",
                    "Service: checkout (team payments)",
                    "Runbook: https://runbooks.example/checkout",
                    "Dashboard: https://grafana.example/d/checkout",
                    "Silence: https://grafana.example/alerting/silence/new",
                    "ApiErrors (resolved)",
                ]) {
                    assert.ok(lines.includes(line), `${field} lacks "${line}":\n${output(field)}`);
                }
            }
        }
    });

    it("has Go's parser refuse a malformed message template with Go's own message", () => {
        const unclosed = MESSAGE_TEMPLATE.slice(0, MESSAGE_TEMPLATE.lastIndexOf("{{- end }}"));
        const lastLine = unclosed.split("\n").length;
        assert.strictEqual(readGoTemplate("unclosed", unclosed).error, `template: :${lastLine}: unexpected EOF`);
        // A function Grafana does not have (humanize is for alert rule annotations, not notifications).
        const unknownFunction = MESSAGE_TEMPLATE.replace(".CommonLabels.alertname }}", ".CommonLabels.alertname | humanize }}");
        assert.strictEqual(readGoTemplate("unknown function", unknownFunction).error, 'template: :2: function "humanize" not defined');
        // A field that calls a name the template does not define parses, and fails when Grafana runs it.
        const [misspelt] = goTemplates(
            [{ name: "observability", text: MESSAGE_TEMPLATE }],
            [{ text: '{{ template "observability.titel" . }}', data: sampleGroup }],
        ).executions;
        assert.match(misspelt.error ?? "", /template "observability\.titel" not defined/);
    });

    it("creates each contact point after the template it uses", () => {
        const { routing, optionsOf } = built.production;
        for (const point of routing.contactPoints) {
            const dependsOn = ([] as unknown[]).concat(optionsOf(point).dependsOn ?? []);
            assert.ok(dependsOn.includes(routing.template), "a contact point does not wait for the message template");
        }
    });

    it("lets the stack keep its alerting objects editable in the UI (disableProvenance)", async () => {
        const editable = await buildRouting("production", { alerting: '{"disableProvenance":true}' });
        const objects = [...ofType(editable.resources, TYPES.contactPoint), onlyOne(editable.resources, TYPES.messageTemplate)];
        for (const object of objects) assert.strictEqual(object.inputs.disableProvenance, true, object.name);
        for (const object of ofType(built.production.resources, TYPES.contactPoint)) assert.strictEqual(object.inputs.disableProvenance, false, object.name);
    });

    it("follows the switches: PagerDuty in staging adds a pager, everything off leaves the undeliverable email", async () => {
        const paging = await buildRouting("staging", { alerting: '{"pagerduty":{"enabled":true}}' });
        assert.deepStrictEqual(kindsOf(paging), ["emails", "pagerduties", "slacks"]);
        const silent = await buildRouting("production", { alerting: '{"slack":{"enabled":false},"email":{"enabled":false},"pagerduty":{"enabled":false}}' });
        assert.deepStrictEqual(kindsOf(silent), ["emails"]);
        assert.strictEqual(domainOf(pointOfKind(silent, "emails").settings.addresses[0]).endsWith(".invalid"), true);
    });

    describe("the loader asks for the secret a notifier needs", () => {
        const problemsOf = (load: () => unknown): string => {
            try {
                load();
            } catch (error) {
                assert.ok(error instanceof ConfigError, String(error));
                return error.message;
            }
            assert.fail("the stack loaded without its secret");
        };

        it("Slack enabled without slackToken", () => {
            const message = problemsOf(() => loadStack("staging", {}, testSecrets(["smtpPassword"])));
            assert.match(message, /observability:slackToken: .*pulumi config set --secret slackToken/);
        });

        it("PagerDuty enabled without pagerdutyIntegrationKey", () => {
            const message = problemsOf(() => loadStack("production", {}, testSecrets(["slackToken", "smtpPassword", "grafanaDatabasePassword"])));
            assert.match(message, /observability:pagerdutyIntegrationKey: .*pulumi config set --secret pagerdutyIntegrationKey/);
            assert.ok(!message.includes("slackToken"), message);
        });

        it("no token is needed once Slack is disabled", async () => {
            const quiet = await buildRouting("staging", { alerting: '{"slack":{"enabled":false}}' }, testSecrets(["smtpPassword"]));
            assert.deepStrictEqual(kindsOf(quiet), ["emails"]);
        });
    });
});

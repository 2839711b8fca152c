import { SECRET_SIG, isSecret, unwrapSecrets } from "./helpers/pulumi";
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { routingDefinition } from "../components/grafana/alerting/routing";
import { ConfigError } from "../stacks/config";
import { type BuiltRouting, TYPES, buildRouting, ofType, onlyOne } from "./helpers/alertRouting";
import { readTemplate } from "./helpers/goTemplate";
import { STACK_NAMES, TEST_SECRET_VALUES, loadStack, testSecrets } from "./helpers/stacks";

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
const kindsOf = (built: BuiltRouting) => ofType(built.resources, TYPES.contactPoint).map((p) => integration(p).kind).sort();
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
        const severity = readTemplate(pagerduty.severity);
        assert.deepStrictEqual(severity.problems, []);
        assert.ok(pagerduty.severity.includes(".CommonLabels.severity"), "the PagerDuty severity ignores the alert's severity label");
        // Whatever branch the template takes, it prints one of the Events API v2 severities.
        const printed = severity.literals.map((text) => text.trim()).filter(Boolean);
        assert.ok(printed.length >= 2, `severity maps nothing: ${pagerduty.severity}`);
        for (const value of printed) assert.ok(["critical", "error", "warning", "info"].includes(value), value);
        assert.ok(printed.includes("critical"));
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
            settings: config.alerting, slackToken: pulumi.output("plain-slack-token"), pagerdutyIntegrationKey: "plain-pd-key",
        });
        for (const point of definition.contactPoints) {
            if (point.type === "slack") assert.ok(await isSecret(pulumi.output(point.settings.token!)), "Slack token");
            if (point.type === "pagerduty") assert.ok(await isSecret(pulumi.output(point.settings.integrationKey)), "PagerDuty key");
        }
    });

    it("defines one message template whose blocks close, and Slack and email use what it defines", () => {
        for (const stack of ["staging", "production"]) {
            const template = onlyOne(built[stack].resources, TYPES.messageTemplate).inputs;
            const structure = readTemplate(template.template);
            assert.deepStrictEqual(structure.problems, []);
            assert.ok(structure.defined.length >= 2, "expected a title and a message");
            const slack = pointOfKind(built[stack], "slacks").settings;
            const email = pointOfKind(built[stack], "emails").settings;
            const fields = { "slack title": slack.title, "slack text": slack.text, "email subject": email.subject, "email message": email.message };
            for (const [field, text] of Object.entries(fields)) {
                const called = readTemplate(text ?? "").called;
                assert.ok(called.length > 0, `${field} uses no template`);
                for (const name of called) assert.ok(structure.defined.includes(name), `${field} calls "${name}", which the template does not define`);
            }
        }
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
            try { load(); } catch (error) {
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

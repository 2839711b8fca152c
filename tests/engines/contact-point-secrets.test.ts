// Contact points with a secret and pulumiverse/pulumi-grafana#379: an update shows on every preview. The
// program drops it only when the contact point would be sent exactly what its last deployment sent
// (components/grafana/alerting/contactPointFingerprints.ts); any real change is sent. Each test runs the
// component twice under the mocks, the second time reading the first run's output back as the stack's
// last deployment, in the shape the engine's StackReference returns (helpers/pulumi.ts lastDeployments).

import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import * as assert from "assert";
import { FINGERPRINTS_OUTPUT, type Fingerprints, unchangedContactPoints, valueIfKnown } from "../../components/grafana/alerting/contactPointFingerprints";
import { CONTACT_POINT_NAMES } from "../../components/grafana/alerting/routing";
import { alertRuleInput } from "../../components/grafana/alerting/rules";
import { GrafanaAlerting } from "../../components/grafana/GrafanaAlerting";
import { STACK_REFERENCE_TYPE } from "../../scripts/lib/mockStackReference";
import { ofType, TYPES } from "../helpers/alertRouting";
import {
    captureResources,
    isSecret,
    lastDeployments,
    outputValue,
    providerStates,
    type RecordedResource,
    SECRET_SIG,
    STACK,
    unwrapSecrets,
} from "../helpers/pulumi";
import { loadStack, TEST_SECRET_VALUES, testSecrets } from "../helpers/stacks";

/**
 * The stack the mocks run as (helpers/pulumi.ts), as a self-managed backend (organization "organization")
 * names it to a reference: bare, resolved against the current project.
 */
const THIS_STACK = STACK;

interface Deployment {
    resources: RecordedResource[];
    /** ignoreChanges of each contact point, by its Grafana name. */
    ignored: Map<string, string[]>;
    fingerprints: Fingerprints;
    alerting: GrafanaAlerting;
}

let runs = 0;
/** One `pulumi up` of the alerting of `stack`'s config, after a last deployment that exported `previous`. */
async function deploy(
    stack: string,
    previous: unknown,
    options: {
        overrides?: Record<string, string>;
        slackToken?: pulumi.Input<string>;
        /** State the provider reports for the Slack contact point, over what it is sent. */
        slackState?: Record<string, unknown>;
    } = {},
): Promise<Deployment> {
    const secrets = testSecrets();
    if (options.slackToken) secrets.slackToken = pulumi.secret(options.slackToken);
    const { config, secrets: loaded } = loadStack(stack, options.overrides ?? {}, secrets);
    lastDeployments.set(
        THIS_STACK,
        previous === undefined
            ? { outputs: {}, secretOutputNames: [] }
            : { outputs: { [FINGERPRINTS_OUTPUT]: previous }, secretOutputNames: [FINGERPRINTS_OUTPUT] },
    );
    const name = `cp-secrets-${stack}-${++runs}`;
    if (options.slackState) providerStates.set(`${name}-contact-point-slack`, options.slackState);
    const opts = new Map<string, pulumi.ResourceOptions>();
    const record: pulumi.ResourceTransformation = ({ name: child, opts: childOpts }) => {
        opts.set(child, childOpts);
        return undefined;
    };
    let alerting: GrafanaAlerting | undefined;
    try {
        const resources = await captureResources(() => {
            const provider = new grafana.Provider(`${name}-provider`, { url: "http://grafana.test:3000", auth: "test-token" });
            alerting = new GrafanaAlerting(
                name,
                {
                    settings: config.alerting,
                    services: config.services,
                    namespace: config.namespace,
                    managedControlPlane: alertRuleInput(config).managedControlPlane,
                    slackToken: loaded.slackToken,
                    pagerdutyIntegrationKey: loaded.pagerdutyIntegrationKey,
                    alertsFolderUid: "alerts",
                    slosFolderUid: "slos",
                },
                { providers: [provider], transformations: [record] },
            );
        });
        const ignored = new Map(
            ofType(resources, TYPES.contactPoint).map((point) => [
                unwrapSecrets(point.inputs.name) as string,
                [...(opts.get(point.name)?.ignoreChanges ?? [])],
            ]),
        );
        return { resources, ignored, fingerprints: await outputValue(alerting!.contactPointFingerprints), alerting: alerting! };
    } finally {
        lastDeployments.delete(THIS_STACK);
        providerStates.delete(`${name}-contact-point-slack`);
    }
}

/** Production's three contact points, each sent in full. */
const NOTHING_IGNORED = new Map(
    [CONTACT_POINT_NAMES.slack, CONTACT_POINT_NAMES.email, CONTACT_POINT_NAMES.pagerduty].map((name) => [name as string, [] as string[]]),
);
/** The Slack contact point a deployment registered. */
const slackOf = (deployment: Deployment) =>
    ofType(deployment.resources, TYPES.contactPoint).find((point) => unwrapSecrets(point.inputs.name) === CONTACT_POINT_NAMES.slack)!;

describe("contact points with a secret: no phantom update, every real change sent (pulumi-grafana#379)", () => {
    let first: Deployment;
    before(async () => {
        first = await deploy("production", undefined);
    });

    it("reads the fingerprints back from this very stack's last deployment", () => {
        const references = ofType(first.resources, STACK_REFERENCE_TYPE);
        assert.deepStrictEqual(
            references.map((reference) => reference.inputs.name),
            [THIS_STACK],
        );
    });

    it("on a first deployment sends every contact point in full: none ignores a change", () => {
        assert.deepStrictEqual(first.ignored, NOTHING_IGNORED);
    });

    it("records a fingerprint per contact point with a secret, as a secret holding no secret in plain text", async () => {
        assert.deepStrictEqual(Object.keys(first.fingerprints).sort(), ["pagerduty", "slack"]);
        for (const fingerprint of Object.values(first.fingerprints)) assert.match(fingerprint!, /^sha256:[0-9a-f]{64}$/);
        assert.strictEqual(await isSecret(first.alerting.contactPointFingerprints), true);
        const shown = JSON.stringify(first.fingerprints);
        for (const secret of [TEST_SECRET_VALUES.slackToken, TEST_SECRET_VALUES.pagerdutyIntegrationKey]) assert.ok(!shown.includes(secret));
    });

    it("staging records Slack's only; dev, with no secret-carrying contact point, records none", async () => {
        assert.deepStrictEqual(Object.keys((await deploy("staging", undefined)).fingerprints), ["slack"]);
        assert.deepStrictEqual((await deploy("dev", undefined)).fingerprints, {});
    });

    it("when nothing changed since, ignores the Slack and PagerDuty blocks (the phantom update) and nothing else", async () => {
        const again = await deploy("production", first.fingerprints);
        assert.deepStrictEqual(
            again.ignored,
            new Map([
                [CONTACT_POINT_NAMES.slack, ["slacks"]],
                [CONTACT_POINT_NAMES.email, []],
                [CONTACT_POINT_NAMES.pagerduty, ["pagerduties"]],
            ]),
        );
        assert.deepStrictEqual(again.fingerprints, first.fingerprints, "the same settings give the same fingerprints");
    });

    it("sends a rotated Slack token: the Slack block is not ignored and carries the new token", async () => {
        const rotated = await deploy("production", first.fingerprints, { slackToken: "xoxb-rotated-token-e4d1" });
        assert.deepStrictEqual(rotated.ignored.get(CONTACT_POINT_NAMES.slack), []);
        assert.deepStrictEqual(rotated.ignored.get(CONTACT_POINT_NAMES.pagerduty), ["pagerduties"], "PagerDuty did not change");
        const slack = slackOf(rotated);
        assert.strictEqual((unwrapSecrets(slack.inputs.slacks) as Array<{ token: string }>)[0].token, "xoxb-rotated-token-e4d1");
        assert.ok(JSON.stringify(slack.inputs.slacks).includes(SECRET_SIG), "the new token is sent as a secret");
        assert.notStrictEqual(rotated.fingerprints.slack, first.fingerprints.slack);
    });

    it("sends a changed setting that is not secret (the Slack channel)", async () => {
        const moved = await deploy("production", first.fingerprints, { overrides: { alerting: JSON.stringify({ slack: { recipient: "#moved-alerts" } }) } });
        assert.deepStrictEqual(moved.ignored.get(CONTACT_POINT_NAMES.slack), []);
        assert.deepStrictEqual(moved.ignored.get(CONTACT_POINT_NAMES.pagerduty), ["pagerduties"]);
    });

    it("sends a change of provenance (alerting.disableProvenance)", async () => {
        const unlocked = await deploy("production", first.fingerprints, { overrides: { alerting: JSON.stringify({ disableProvenance: true }) } });
        assert.deepStrictEqual(unlocked.ignored, NOTHING_IGNORED);
    });

    it("records what the contact point holds, not what was meant: a token a targeted run did not send is sent by the next", async () => {
        // `pulumi up --target <something else>` after the rotation: the contact point keeps its state, the old token.
        const oldSlacks = slackOf(first).inputs.slacks;
        const targeted = await deploy("production", first.fingerprints, { slackToken: "xoxb-rotated-token-e4d1", slackState: { slacks: oldSlacks } });
        assert.strictEqual(targeted.fingerprints.slack, first.fingerprints.slack, "the held token is still the old one");
        const next = await deploy("production", targeted.fingerprints, { slackToken: "xoxb-rotated-token-e4d1" });
        assert.deepStrictEqual(next.ignored.get(CONTACT_POINT_NAMES.slack), [], "the rotated token is sent");
        assert.deepStrictEqual(next.ignored.get(CONTACT_POINT_NAMES.pagerduty), ["pagerduties"]);
    });

    it("records no match for state of another shape: a contact point holding two Slack blocks is sent in full next time", async () => {
        const oldSlacks = slackOf(first).inputs.slacks;
        const blocks = unwrapSecrets(oldSlacks) as unknown[];
        const doubled = await deploy("production", first.fingerprints, { slackState: { slacks: [...blocks, ...blocks] } });
        assert.notStrictEqual(doubled.fingerprints.slack, first.fingerprints.slack);
        assert.deepStrictEqual((await deploy("production", doubled.fingerprints)).ignored.get(CONTACT_POINT_NAMES.slack), []);
    });

    it("counts a last output of another shape as none", async () => {
        for (const previous of ["not-a-map", ["sha256:0"], { slack: 42 }]) {
            const deployment = await deploy("production", previous);
            assert.deepStrictEqual(deployment.ignored, NOTHING_IGNORED, JSON.stringify(previous));
        }
    });

    it("ignores nothing while this run's token is unknown (a preview of a token another resource computes)", async () => {
        const unknownToken = await deploy("production", first.fingerprints, { slackToken: pulumi.output(pulumi.unknown) as pulumi.Output<string> });
        assert.deepStrictEqual(unknownToken.ignored, NOTHING_IGNORED);
    });

    it("reads nothing where no contact point carries a secret (dev)", async () => {
        assert.deepStrictEqual(ofType((await deploy("dev", undefined)).resources, STACK_REFERENCE_TYPE), []);
    });

    it("the helpers: an unknown value is undefined, and only equal fingerprints count as unchanged", async () => {
        assert.strictEqual(await valueIfKnown(pulumi.output(pulumi.unknown)), undefined);
        assert.deepStrictEqual(await valueIfKnown(pulumi.output({ slack: "sha256:1" })), { slack: "sha256:1" });
        assert.deepStrictEqual([...unchangedContactPoints({ slack: "sha256:1" }, undefined)], []);
        assert.deepStrictEqual([...unchangedContactPoints({ slack: "sha256:1" }, { slack: "sha256:1", pagerduty: "sha256:2" })], ["slack"]);
    });
});

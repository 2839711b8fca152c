// Contact points that carry a secret (Slack token, PagerDuty key) show an update on every `pulumi preview`
// (pulumiverse/pulumi-grafana#379). The engine only reports what the provider decides: the bridge's Diff
// (pulumi-terraform-bridge pkg/tfshim/sdk-v2/provider2.go, `unmarkedPrior.Equals(unmarkedPlan)`) finds the
// Terraform plan of the `slacks`/`pagerduties` set unequal to the stored state; which field differs takes
// a Grafana server to tell, so nothing here depends on it.
//
// What we can do without losing real changes: export, as a secret stack output, a fingerprint of what each
// such contact point holds after the deployment (read from its own outputs, the provider's state), and read
// it back from this stack's last deployment (a StackReference to the stack itself). When what we would
// send now has the same fingerprint, the integration block is `ignoreChanges`d: nothing changed, so the
// provider's phantom update is dropped. When anything differs (a rotated token, a new channel, the first
// run of this version, a run that skipped or failed the contact point) the block is sent in full.
// ignoreChanges alone would re-send the old value for ever (the engine's processIgnoreChanges copies the
// old input over the new one), so it is never unconditional.
//
// This module is the whole workaround; GrafanaAlerting uses it through `guardContactPoints` only. Once
// #379 is fixed upstream: delete it, call createRouting without `unchanged`, and drop the
// `contactPointFingerprints` output (GrafanaAlerting, ObservabilityStack, index.ts) and the mocked
// StackReference's organization (scripts/lib/mockStackReference.ts).

import * as pulumi from "@pulumi/pulumi";
import type * as grafana from "@pulumiverse/grafana";
import { createHash } from "crypto";
import { type ContactPointDefinition, type ContactPointKey, INTEGRATION_FIELD } from "./routing";

/** Name of the stack output that holds the fingerprints; a stack reads its own last value of it. */
export const FINGERPRINTS_OUTPUT = "contactPointFingerprints";

/** The organization every self-managed (DIY) backend reports. */
export const SELF_MANAGED_ORGANIZATION = "organization";

/** Contact points whose integration holds a secret: the ones #379 affects. */
export const carriesSecret = (point: ContactPointDefinition): boolean => point.type === "slack" || point.type === "pagerduty";

export type Fingerprints = Partial<Record<ContactPointKey, string>>;

/** JSON with keys sorted at every level and undefined members left out, so equal settings hash equally. */
function canonicalJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>)
            .filter(([, v]) => v !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
    }
    return JSON.stringify(value);
}

/** SHA-256 of a contact point: name, integration type, the settings we send (secret included), provenance. */
function fingerprintOf(point: { name: string; type: string; settings: unknown }, disableProvenance: boolean): string {
    const digest = createHash("sha256")
        .update(canonicalJson({ name: point.name, type: point.type, settings: point.settings, disableProvenance }))
        .digest("hex");
    return `sha256:${digest}`;
}

/** What this run would send each secret-carrying contact point, fingerprinted (a secret Output). */
export function intendedFingerprints(points: ContactPointDefinition[], disableProvenance: boolean): pulumi.Output<Fingerprints> {
    const entries = points
        .filter(carriesSecret)
        .map((point) =>
            pulumi
                .output(point.settings)
                .apply((settings) => [point.key, fingerprintOf({ name: point.name, type: point.type, settings }, disableProvenance)] as const),
        );
    return pulumi.secret(pulumi.all(entries).apply((pairs) => Object.fromEntries(pairs) as Fingerprints));
}

/**
 * What each secret-carrying contact point holds once the deployment is done, fingerprinted from its own
 * outputs (the provider's state), keeping only the settings we send: a contact point that `--target`
 * left out, or whose update failed, reports its old values, so the fingerprint never runs ahead of Grafana.
 */
export function heldFingerprints(points: ContactPointDefinition[], created: grafana.alerting.ContactPoint[]): pulumi.Output<Fingerprints> {
    const entries = points.flatMap((point, index) => {
        if (!carriesSecret(point)) return [];
        const resource = created[index];
        const blocks = resource[INTEGRATION_FIELD[point.type]] as pulumi.Output<Array<Record<string, unknown>> | undefined>;
        return [
            pulumi.all([resource.name, resource.disableProvenance, blocks]).apply(([name, disableProvenance, held]) => {
                const block = held?.length === 1 ? held[0] : undefined; // we send exactly one; anything else is not ours
                const sent = Object.keys(point.settings).filter((key) => (point.settings as Record<string, unknown>)[key] !== undefined);
                const settings = block ? Object.fromEntries(sent.map((key) => [key, block[key]])) : null;
                return [point.key, fingerprintOf({ name, type: point.type, settings }, disableProvenance ?? false)] as const;
            }),
        ];
    });
    return pulumi.secret(pulumi.all(entries).apply((pairs) => Object.fromEntries(pairs) as Fingerprints));
}

/**
 * An Output's value, or undefined while it is unknown (in a preview, a value another resource has not
 * computed yet): `apply` never runs for an unknown value, so awaiting it would hang the program.
 * `isKnown` and `promise()` are SDK-internal members of every Output (@pulumi/pulumi output.js, OutputImpl).
 */
export async function valueIfKnown<T>(output: pulumi.Output<T>): Promise<T | undefined> {
    const impl = output as unknown as { isKnown: Promise<boolean>; promise(): Promise<T> };
    return (await impl.isKnown) ? impl.promise() : undefined;
}

/**
 * The name a StackReference to this very stack takes; it reads the outputs of the stack's last deployment
 * (the pattern Pulumi's maintainers give for an output read back into the same stack on later updates,
 * pulumi/pulumi#3722). Self-managed (DIY) backends report the organization "organization" and resolve a
 * bare stack name against the current project in both their layouts, where the legacy one refuses
 * "organization/<project>/<stack>"; Pulumi Cloud needs the full name.
 */
function thisStackName(): string {
    const organization = pulumi.getOrganization();
    return organization === SELF_MANAGED_ORGANIZATION ? pulumi.getStack() : `${organization}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

/**
 * The fingerprints the last deployment of this stack recorded: none on a first run, or when the last run
 * did not finish (its outputs are not written then, so the run before it counts). The engine reads the
 * stack's own checkpoint (pkg/resource/deploy/builtins.go, readStackReference: GetStackOutputs). A value
 * of another shape counts as none.
 */
export async function previousFingerprints(name: string, parent: pulumi.Resource): Promise<Fingerprints> {
    let stackName: string;
    try {
        stackName = thisStackName();
    } catch (error) {
        // a CLI too old to report the organization
        pulumi.log.warn(
            `cannot name this stack to read its last ${FINGERPRINTS_OUTPUT} (${error instanceof Error ? error.message : String(error)}); ` +
                "contact points with a secret are sent in full, so every preview shows them updated (pulumi-grafana#379)",
            parent,
        );
        return {};
    }
    const self = new pulumi.StackReference(`${name}-previous-deployment`, { name: stackName }, { parent });
    const value = await self.getOutputDetails(FINGERPRINTS_OUTPUT).then((details) => details.secretValue ?? details.value);
    if (value === null || typeof value !== "object" || Array.isArray(value)) return {};
    return Object.fromEntries(Object.entries(value).filter(([, fingerprint]) => typeof fingerprint === "string")) as Fingerprints;
}

/** Keys of the contact points whose intended fingerprint equals what the last deployment recorded. */
export function unchangedContactPoints(previous: Fingerprints, intended: Fingerprints | undefined): Set<ContactPointKey> {
    if (intended === undefined) return new Set();
    return new Set((Object.keys(intended) as ContactPointKey[]).filter((key) => previous[key] === intended[key]));
}

/** The workaround for one GrafanaAlerting: which contact points to leave alone, and what to export after the run. */
export interface ContactPointGuard {
    /**
     * Whether a contact point carries a secret, so this stack's last deployment must be read before the contact
     * points are registered; without one they are registered at once, as if there were no workaround.
     */
    readsLastDeployment: boolean;
    /** Contact points whose integration block is registered with ignoreChanges: those sent exactly as the last deployment recorded. */
    unchanged(): Promise<Set<ContactPointKey>>;
    /** What the contact points hold once they are registered: the stack output the next run compares with. */
    held(created: Promise<grafana.alerting.ContactPoint[]>): pulumi.Output<Fingerprints>;
}

export function guardContactPoints(name: string, points: ContactPointDefinition[], disableProvenance: boolean, parent: pulumi.Resource): ContactPointGuard {
    const intended = intendedFingerprints(points, disableProvenance);
    return {
        readsLastDeployment: points.some(carriesSecret),
        async unchanged() {
            const [previous, intendedNow] = await Promise.all([previousFingerprints(name, parent), valueIfKnown(intended)]);
            return unchangedContactPoints(previous, intendedNow);
        },
        held: (created) => pulumi.output(created.then((contactPoints) => heldFingerprints(points, contactPoints))),
    };
}

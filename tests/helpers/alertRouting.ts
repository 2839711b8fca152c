// Reads back the alerting objects a run registered, and routes label sets through the recorded notification
// policy tree with Prometheus Alertmanager's own router (tests/support/alertRoutes.ts, tools/alertroute): the
// policy converted as Grafana converts it, loaded by Alertmanager's config package, matched by dispatch.

import type * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import * as assert from "assert";
import { createRouting, type Routing, routingDefinition } from "../../components/grafana/alerting/routing";
import type { StackConfig } from "../../stacks/schema";
import { grafanaRoutingTree, type MatchedRoute, matchRoutes, type NotificationPolicyNode, receiversNamed } from "../support/alertRoutes";
import { captureResources, type RecordedResource, unwrapSecrets } from "./pulumi";
import { loadStack, testSecrets } from "./stacks";

export const TYPES = {
    contactPoint: "grafana:alerting/contactPoint:ContactPoint",
    notificationPolicy: "grafana:alerting/notificationPolicy:NotificationPolicy",
    muteTiming: "grafana:alerting/muteTiming:MuteTiming",
    messageTemplate: "grafana:alerting/messageTemplate:MessageTemplate",
    ruleGroup: "grafana:alerting/ruleGroup:RuleGroup",
    prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
} as const;

export type PolicyNode = NotificationPolicyNode;
export type PolicyMatcher = NonNullable<PolicyNode["matchers"]>[number];

/** Where Alertmanager delivers an alert: one route it reached, with the options it resolved for that route. */
export interface Delivery {
    receiver: string;
    /** The route's own mute timings: Alertmanager does not inherit them. */
    muteTimings: string[];
    activeTimings: string[];
    /** Sorted; with groupByAll (`...`) Alertmanager groups by every label instead. */
    groupBy: string[];
    groupByAll: boolean;
    /** Prometheus durations as Alertmanager prints them ("30s", "4h", "1d"). */
    groupWait: string;
    groupInterval: string;
    repeatInterval: string;
}

export const ofType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);

export function onlyOne(resources: RecordedResource[], type: string): RecordedResource {
    const found = ofType(resources, type);
    assert.strictEqual(found.length, 1, `expected exactly one ${type}, found ${found.length}`);
    return found[0];
}

/** The recorded root policy, secrets unwrapped. */
export function policyTree(resources: RecordedResource[]): PolicyNode {
    return unwrapSecrets(onlyOne(resources, TYPES.notificationPolicy).inputs) as PolicyNode;
}

const delivery = (matched: MatchedRoute): Delivery => ({
    receiver: matched.receiver,
    muteTimings: matched.muteTimeIntervals,
    activeTimings: matched.activeTimeIntervals,
    groupBy: matched.groupBy,
    groupByAll: matched.groupByAll,
    groupWait: matched.groupWait,
    groupInterval: matched.groupInterval,
    repeatInterval: matched.repeatInterval,
});

/** Where an alert with `labels` is delivered, in order, as Grafana's Alertmanager routes it. */
export function route(root: PolicyNode, labels: Record<string, string>): Delivery[] {
    const [matched] = matchRoutes(grafanaRoutingTree(root), [labels]);
    return matched.map(delivery);
}

export { receiversNamed };

/** Every mute timing the tree names, at any depth. */
export function muteTimingsNamed(node: PolicyNode): string[] {
    return [...(node.muteTimings ?? []), ...(node.policies ?? []).flatMap(muteTimingsNamed)];
}

/** Seconds of a Prometheus duration such as "30s", "1h30m", "1d" (the notation Alertmanager prints). */
export function seconds(duration: string): number {
    const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
    const parts = [...duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
    assert.ok(parts.length > 0 && parts.map((p) => p[0]).join("") === duration, `not a duration: ${duration}`);
    return parts.reduce((total, [, amount, unit]) => total + Number(amount) * units[unit], 0);
}

/** One routing run (contact points, template, mute timing, policy tree) for a committed stack. */
export interface BuiltRouting {
    config: StackConfig;
    routing: Routing;
    resources: RecordedResource[];
    /** Resource options each alerting resource was created with, by resource name. */
    optionsOf: (resource: pulumi.Resource) => pulumi.ResourceOptions;
}

let runs = 0;

/** Creates the routing of `stack` (with `overrides` edited into its file) under the mocks. */
export async function buildRouting(stack: string, overrides: Record<string, string> = {}, secrets = testSecrets()): Promise<BuiltRouting> {
    const { config, secrets: loaded } = loadStack(stack, overrides, secrets);
    const name = `routing-${stack}-${++runs}`;
    const options = new Map<pulumi.Resource, pulumi.ResourceOptions>();
    const record: pulumi.ResourceTransformation = ({ resource, opts }) => {
        options.set(resource, opts);
        return undefined;
    };
    let routing: Routing | undefined;
    const resources = await captureResources(() => {
        const provider = new grafana.Provider(`${name}-provider`, { url: "http://grafana.test:3000", auth: "test-token" });
        routing = createRouting(
            name,
            routingDefinition({
                settings: config.alerting,
                slackToken: loaded.slackToken,
                pagerdutyIntegrationKey: loaded.pagerdutyIntegrationKey,
            }),
            { disableProvenance: config.alerting.disableProvenance },
            { provider, transformations: [record] },
        );
    });
    return {
        config,
        routing: routing!,
        resources,
        optionsOf: (resource) => {
            const found = options.get(resource);
            assert.ok(found, "resource was not created in this run");
            return found;
        },
    };
}

// Reads back the alerting objects a run registered, and routes label sets through a notification policy
// tree the way Grafana's Alertmanager does (prometheus/alertmanager dispatch/route.go): a route takes an
// alert when all its matchers match; children are tried in order and the first match stops the search
// unless it says `continue`; a node keeps the alert only when none of its children took it. Receiver and
// timings are inherited from the parent; mute timings are not.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import { type Routing, createRouting, routingDefinition } from "../../components/grafana/alerting/routing";
import type { StackConfig } from "../../stacks/schema";
import { type RecordedResource, captureResources, unwrapSecrets } from "./pulumi";
import { loadStack, testSecrets } from "./stacks";

export const TYPES = {
    contactPoint: "grafana:alerting/contactPoint:ContactPoint",
    notificationPolicy: "grafana:alerting/notificationPolicy:NotificationPolicy",
    muteTiming: "grafana:alerting/muteTiming:MuteTiming",
    messageTemplate: "grafana:alerting/messageTemplate:MessageTemplate",
    ruleGroup: "grafana:alerting/ruleGroup:RuleGroup",
    prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
} as const;

export interface PolicyMatcher { label: string; match: string; value: string }
export interface PolicyNode {
    contactPoint?: string;
    matchers?: PolicyMatcher[];
    continue?: boolean;
    muteTimings?: string[];
    groupBies?: string[];
    groupWait?: string;
    groupInterval?: string;
    repeatInterval?: string;
    policies?: PolicyNode[];
}

export interface Delivery {
    receiver: string;
    muteTimings: string[];
    groupBy: string[];
    groupWait?: string;
    groupInterval?: string;
    repeatInterval?: string;
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

function matcherMatches(matcher: PolicyMatcher, labels: Record<string, string>): boolean {
    const value = labels[matcher.label] ?? "";
    switch (matcher.match) {
        case "=": return value === matcher.value;
        case "!=": return value !== matcher.value;
        case "=~": return new RegExp(`^(?:${matcher.value})$`).test(value);
        case "!~": return !new RegExp(`^(?:${matcher.value})$`).test(value);
        default: throw new Error(`unknown matcher operator ${matcher.match}`);
    }
}

/** Where an alert with `labels` is delivered, in order. */
export function route(root: PolicyNode, labels: Record<string, string>): Delivery[] {
    const inherit = (node: PolicyNode, parent?: Delivery): Delivery => ({
        receiver: node.contactPoint ?? parent!.receiver,
        muteTimings: node.muteTimings ?? [],
        groupBy: node.groupBies && node.groupBies.length > 0 ? node.groupBies : parent?.groupBy ?? [],
        groupWait: node.groupWait ?? parent?.groupWait,
        groupInterval: node.groupInterval ?? parent?.groupInterval,
        repeatInterval: node.repeatInterval ?? parent?.repeatInterval,
    });
    const walk = (node: PolicyNode, settings: Delivery): Delivery[] => {
        const taken: Delivery[] = [];
        for (const child of node.policies ?? []) {
            if (!(child.matchers ?? []).every((m) => matcherMatches(m, labels))) continue;
            taken.push(...walk(child, inherit(child, settings)));
            if (!child.continue) break;
        }
        return taken.length > 0 ? taken : [settings];
    };
    return walk(root, inherit(root));
}

/** Every receiver the tree names, at any depth. */
export function receiversNamed(node: PolicyNode): string[] {
    return [...(node.contactPoint ? [node.contactPoint] : []), ...(node.policies ?? []).flatMap(receiversNamed)];
}

/** Every mute timing the tree names, at any depth. */
export function muteTimingsNamed(node: PolicyNode): string[] {
    return [...(node.muteTimings ?? []), ...(node.policies ?? []).flatMap(muteTimingsNamed)];
}

/** Seconds of a Go duration such as "30s", "1h30m". */
export function seconds(duration: string): number {
    const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
    const parts = [...duration.matchAll(/(\d+)(ms|s|m|h|d|w)/g)];
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
    const record: pulumi.ResourceTransformation = ({ resource, opts }) => { options.set(resource, opts); return undefined; };
    let routing: Routing | undefined;
    const resources = await captureResources(() => {
        const provider = new grafana.Provider(`${name}-provider`, { url: "http://grafana.test:3000", auth: "test-token" });
        routing = createRouting(name, routingDefinition({
            settings: config.alerting, slackToken: loaded.slackToken, pagerdutyIntegrationKey: loaded.pagerdutyIntegrationKey,
        }), { disableProvenance: config.alerting.disableProvenance }, { provider, transformations: [record] });
    });
    return {
        config, routing: routing!, resources,
        optionsOf: (resource) => {
            const found = options.get(resource);
            assert.ok(found, "resource was not created in this run");
            return found;
        },
    };
}

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import * as assert from "assert";
import { stringify } from "yaml";
import { alertRuleGroups, alertRuleInput } from "../../components/grafana/alerting/rules";
import { GrafanaAlerting } from "../../components/grafana/GrafanaAlerting";
import { type RecordingRule, SHARED_GROUP_NAME, sloRecordingRuleGroups } from "../../components/slo/recordingRules";
import type { StackConfig } from "../../stacks/schema";
import { ofType, onlyOne, TYPES } from "../helpers/alertRouting";
import { runPromtool } from "../helpers/promtool";
import { captureResources, outputValue, type RecordedResource, SECRET_SIG, unwrapSecrets } from "../helpers/pulumi";
import { loadStack, STACK_NAMES, TEST_SECRET_VALUES } from "../helpers/stacks";

const FOLDERS = { alerts: "alerts-folder-under-test", slos: "slos-folder-under-test" } as const;
const GRAFANA_PROVIDER = "pulumi:providers:grafana";

interface Built {
    config: StackConfig;
    alerting: GrafanaAlerting;
    resources: RecordedResource[];
    /** Resources constructed in the component, in order, with their options. */
    constructed: Array<{ resource: pulumi.Resource; opts: pulumi.ResourceOptions }>;
    /** How many resources had been constructed when the component registered its outputs, and with what. */
    registered: Array<{ after: number; outputs: Record<string, unknown> }>;
    providerRef: string;
}

let builds = 0;

async function build(stack: string, overrides: Record<string, string> = {}): Promise<Built> {
    const { config, secrets } = loadStack(stack, overrides);
    const name = `alerting-${stack}-${++builds}`;
    const constructed: Built["constructed"] = [];
    const registered: Built["registered"] = [];
    const record: pulumi.ResourceTransformation = ({ resource, opts }) => {
        constructed.push({ resource, opts });
        return undefined;
    };
    const original = pulumi.ComponentResource.prototype["registerOutputs"];
    let alerting: GrafanaAlerting | undefined;
    let provider: grafana.Provider | undefined;
    pulumi.ComponentResource.prototype["registerOutputs"] = function (this: pulumi.ComponentResource, outputs?: pulumi.Inputs) {
        if (this instanceof GrafanaAlerting) registered.push({ after: constructed.length, outputs: { ...(outputs as Record<string, unknown>) } });
        return original.call(this, outputs);
    };
    let resources: RecordedResource[];
    try {
        resources = await captureResources(() => {
            provider = new grafana.Provider(`${name}-provider`, { url: "http://grafana.test:3000", auth: "test-token" });
            alerting = new GrafanaAlerting(
                name,
                {
                    settings: config.alerting,
                    services: config.services,
                    namespace: config.namespace,
                    managedControlPlane: alertRuleInput(config).managedControlPlane,
                    slackToken: secrets.slackToken,
                    pagerdutyIntegrationKey: secrets.pagerdutyIntegrationKey,
                    alertsFolderUid: FOLDERS.alerts,
                    slosFolderUid: FOLDERS.slos,
                },
                { providers: [provider], transformations: [record] },
            );
        });
    } finally {
        pulumi.ComponentResource.prototype["registerOutputs"] = original;
    }
    const providerRef = `${await outputValue(provider!.urn)}::${await outputValue(provider!.id)}`;
    return { config, alerting: alerting!, resources: resources!, constructed, registered, providerRef };
}

const recordingRules = (built: Built) => ofType(built.resources, TYPES.prometheusRule);

describe("GrafanaAlerting", () => {
    const built: Record<string, Built> = {};
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = await build(stack);
    });

    it("puts each service's SLO in a rule group of its own and the shared rules in one more, in the PrometheusRules; dev, without services, gets none", () => {
        assert.deepStrictEqual(built.dev.config.services, []);
        assert.strictEqual(recordingRules(built.dev).length, 0);
        for (const stack of ["staging", "production"]) {
            const { config } = built[stack];
            assert.ok(config.services.length > 0, `${stack} has no services`);
            const rules = recordingRules(built[stack]).map((r) => r.inputs);
            // A few services fit in one object.
            assert.strictEqual(rules.length, 1, stack);
            for (const rule of rules) {
                assert.strictEqual(rule.apiVersion, "monitoring.coreos.com/v1");
                assert.strictEqual(rule.kind, "PrometheusRule");
                assert.strictEqual(rule.metadata.namespace, config.namespace);
            }
            const groups = rules.flatMap((rule) => rule.spec.groups);
            assert.strictEqual(groups.length, config.services.length + 1, stack);
            // Each definition as the CRD writes it: a rule's labels only where it has some.
            const written = (rule: RecordingRule) => ({
                record: rule.record,
                expr: rule.expr,
                ...(Object.keys(rule.labels).length > 0 ? { labels: rule.labels } : {}),
            });
            const definitions = sloRecordingRuleGroups(config.services);
            for (const [index, service] of config.services.entries()) {
                const group = groups.find((g: any) => g.name === `slo:${service.namespace}:${service.name}`);
                assert.ok(group, `${stack}: no rule group for ${service.namespace}/${service.name}`);
                assert.deepStrictEqual(group, { name: definitions[index].name, rules: definitions[index].rules.map(written) });
                assert.ok(
                    group.rules.every((r: any) => r.labels.service === service.name && r.labels.namespace === service.namespace),
                    `${stack}: ${group.name} records another service's series`,
                );
            }
            const shared = groups.filter((g: any) => !config.services.some((s) => g.name === `slo:${s.namespace}:${s.name}`));
            assert.strictEqual(shared.length, 1, `${stack}: ${shared.map((g: any) => g.name)}`);
            const sharedDefinition = definitions.find((d) => d.name === shared[0].name);
            assert.ok(sharedDefinition, shared[0].name);
            assert.deepStrictEqual(shared[0], { name: sharedDefinition.name, rules: sharedDefinition.rules.map(written) });
            // The shared rules name no service: their series take each service's labels from what they read.
            for (const rule of shared[0].rules) {
                for (const service of config.services) assert.ok(!JSON.stringify(rule).includes(`"${service.name}"`), `${rule.record} names ${service.name}`);
            }
        }
    });

    it('keeps namespace "a-b" with service "c" apart from namespace "a" with service "b-c"', async () => {
        const services = [
            { name: "c", namespace: "a-b", team: "x", availabilityObjective: 99.9, latencyObjective: 95, latencyThresholdMs: 300 },
            { name: "b-c", namespace: "a", team: "x", availabilityObjective: 99.9, latencyObjective: 95, latencyThresholdMs: 300 },
        ];
        const groups = recordingRules(await build("staging", { services: JSON.stringify(services) })).flatMap((r) =>
            r.inputs.spec.groups.map((g: any) => g.name),
        );
        assert.deepStrictEqual(groups.filter((name: string) => name !== SHARED_GROUP_NAME).sort(), ["slo:a-b:c", "slo:a:b-c"]);
    });

    it("packs 8,000 services into objects each within 512 KiB, far below the API's 1.5 MiB limit, every service's group once", async () => {
        const services = Array.from({ length: 8000 }, (_, index) => ({
            name: `service-with-a-long-name-${index}`,
            namespace: `team-namespace-${index % 7}`,
            team: `team-${index % 7}`,
            availabilityObjective: 99.9,
            latencyObjective: 99,
            latencyThresholdMs: 250,
        }));
        const rules = recordingRules(await build("staging", { services: JSON.stringify(services) }));
        const sizes = rules.map((r) => Buffer.byteLength(JSON.stringify(r.inputs)));
        const limit = 1.5 * 2 ** 20;
        // Within the budget even with the object's metadata, and not one object per service.
        assert.ok(Math.max(...sizes) <= 512 * 1024 + 1024, `largest PrometheusRule ${Math.max(...sizes)} bytes`);
        assert.ok(rules.length > 1 && rules.length <= 32, `${rules.length} PrometheusRules`);
        assert.ok(sizes.reduce((sum, size) => sum + size, 0) > limit, "8,000 services fit in one object: the test does not show the limit");
        const names = rules.flatMap((r) => r.inputs.spec.groups.map((g: any) => g.name)).sort();
        assert.deepStrictEqual(names, [...services.map((s) => `slo:${s.namespace}:${s.name}`), SHARED_GROUP_NAME].sort());
    });

    it("drops the PrometheusRules when a stack's services are removed", async () => {
        const withoutServices = await build("production", { services: "[]" });
        assert.strictEqual(recordingRules(withoutServices).length, 0);
        assert.deepStrictEqual(await outputValue(withoutServices.alerting.recordingRuleNames), []);
        assert.ok(ofType(withoutServices.resources, TYPES.ruleGroup).every((g) => g.inputs.folderUid !== FOLDERS.slos));
    });

    it("writes recording rules Prometheus accepts (promtool check rules)", () => {
        const groups = recordingRules(built.production).flatMap((r) => r.inputs.spec.groups);
        const checked = runPromtool(["check", "rules", "rules.yml"], { "rules.yml": stringify({ groups }) });
        assert.ok(checked.ok, checked.output);
    });

    it("records every SLO series the burn-rate alerts read", () => {
        const { config, resources } = built.production;
        const recorded = new Set(
            ofType(resources, TYPES.prometheusRule).flatMap((r) => r.inputs.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.record))),
        );
        const read = alertRuleGroups({ namespace: config.namespace, services: config.services, managedControlPlane: true }).flatMap((group) =>
            group.rules.flatMap((rule) => rule.expr.match(/\bslo:[A-Za-z0-9_:]+/g) ?? []),
        );
        assert.ok(read.length > 0, "no alert reads an SLO series");
        for (const series of new Set(read)) assert.ok(recorded.has(series), `${series} is read by an alert but never recorded`);
    });

    it("labels the PrometheusRules as part of the stack (the operator selects every rule in the cluster) and names them validly", () => {
        const rules = recordingRules(built.staging);
        assert.ok(rules.length > 0);
        for (const { metadata } of rules.map((r) => r.inputs)) {
            assert.strictEqual(metadata.labels["app.kubernetes.io/part-of"], "observability");
            // A DNS-1123 subdomain, as Kubernetes requires of object names.
            assert.match(metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
            assert.ok(metadata.name.length <= 253, metadata.name);
        }
    });

    it("creates every alert rule group in its folder: platform alerts in Alerts, SLO burn rates in SLOs", () => {
        for (const stack of STACK_NAMES) {
            const { config, resources } = built[stack];
            const groups = alertRuleGroups(alertRuleInput(config));
            const created = ofType(resources, TYPES.ruleGroup).map((r) => unwrapSecrets(r.inputs) as any);
            assert.deepStrictEqual(created.map((g) => g.name).sort(), groups.map((g) => g.name).sort(), stack);
            for (const group of groups) {
                const found = created.find((g) => g.name === group.name);
                assert.strictEqual(found.folderUid, FOLDERS[group.folder], `${stack}: ${group.name}`);
            }
            const sloGroups = created.filter((g) => g.folderUid === FOLDERS.slos).length;
            assert.strictEqual(sloGroups > 0, config.services.length > 0, `${stack}: SLO groups ${sloGroups} for ${config.services.length} services`);
        }
    });

    it("creates the rule groups after the notification policy, and the SLO group after the recording rules it reads", () => {
        const { constructed, config } = built.production;
        const policy = constructed.find(({ resource }) => resource instanceof grafana.alerting.NotificationPolicy)!.resource;
        const recordingRuleResources = constructed
            .filter(({ resource }) => resource instanceof k8s.apiextensions.CustomResource)
            .map(({ resource }) => resource);
        // Production's services fit in one PrometheusRule.
        assert.ok(config.services.length > 1);
        assert.strictEqual(recordingRuleResources.length, 1);
        const groups = constructed.filter(({ resource }) => resource instanceof grafana.alerting.RuleGroup);
        assert.ok(groups.length > 1);
        for (const { opts, resource } of groups) {
            const dependsOn = ([] as unknown[]).concat(opts.dependsOn ?? []);
            assert.ok(dependsOn.includes(policy), "a rule group does not wait for the notification policy");
            const waitsFor = recordingRuleResources.filter((rule) => dependsOn.includes(rule)).length;
            const reads = (resource as any).__name.endsWith("-rule-group-slos-SLOs");
            assert.strictEqual(waitsFor, reads ? recordingRuleResources.length : 0, (resource as any).__name);
        }
    });

    it("passes disableProvenance to every Grafana alerting object", async () => {
        const editable = await build("production", { alerting: '{"disableProvenance":true}' });
        const objects = editable.resources.filter((r) => r.type.startsWith("grafana:alerting/"));
        assert.ok(objects.length >= 6);
        for (const object of objects) assert.strictEqual(object.inputs.disableProvenance, true, `${object.type} ${object.name}`);
    });

    it("sends Grafana objects through the given Grafana provider and the PrometheusRules through Kubernetes'", () => {
        const { resources, providerRef } = built.production;
        const grafanaObjects = resources.filter((r) => r.type.startsWith("grafana:"));
        for (const object of grafanaObjects) assert.strictEqual(object.provider, providerRef, `${object.type} ${object.name}`);
        for (const rule of ofType(resources, TYPES.prometheusRule)) assert.ok(!rule.provider || !rule.provider.includes(GRAFANA_PROVIDER), rule.provider);
    });

    it("shows no secret in plain text in any input", () => {
        const visible = (value: unknown) => JSON.stringify(value, (_key, v) => (v && typeof v === "object" && SECRET_SIG in v ? "[secret]" : v));
        for (const resource of built.production.resources) {
            const shown = visible(resource.inputs);
            for (const secret of [TEST_SECRET_VALUES.slackToken, TEST_SECRET_VALUES.pagerdutyIntegrationKey]) {
                assert.ok(!shown.includes(secret), `${resource.type} ${resource.name} shows a secret in plain text`);
            }
        }
    });

    it("exports the contact point names, the policy id, the rule group and recording rule names it created", async () => {
        for (const stack of STACK_NAMES) {
            const { alerting, resources } = built[stack];
            assert.deepStrictEqual(
                [...(await outputValue(alerting.contactPointNames))].sort(),
                ofType(resources, TYPES.contactPoint)
                    .map((p) => p.inputs.name)
                    .sort(),
            );
            assert.strictEqual(await outputValue(alerting.notificationPolicyId), `${onlyOne(resources, TYPES.notificationPolicy).name}-id`);
            assert.deepStrictEqual(
                [...(await outputValue(alerting.ruleGroupNames))].sort(),
                ofType(resources, TYPES.ruleGroup)
                    .map((g) => g.inputs.name)
                    .sort(),
            );
            assert.deepStrictEqual(
                [...(await outputValue(alerting.recordingRuleNames))].sort(),
                ofType(resources, TYPES.prometheusRule)
                    .map((r) => r.inputs.metadata.name)
                    .sort(),
            );
        }
    });

    it("registers its outputs as the constructor's last step; only the Grafana objects come later, once the last fingerprints are read", () => {
        for (const stack of STACK_NAMES) {
            const { registered, constructed, alerting } = built[stack];
            // Pulumi calls registerOutputs() itself once the component initialised; only the first call counts.
            assert.ok(registered.length >= 1, stack);
            // With a secret-carrying contact point (staging, production), the Grafana objects wait for the reference
            // to this stack's last deployment (contactPointFingerprints.ts), and every output below waits for
            // them; without one (dev) nothing is read and everything is created before.
            const typesOf = (part: typeof constructed) => [...new Set(part.map(({ resource }) => resource.constructor.name))].sort();
            const before = typesOf(constructed.slice(0, registered[0].after).filter(({ resource }) => resource !== alerting));
            const later = typesOf(constructed.slice(registered[0].after));
            const prometheusRules = built[stack].config.services.length > 0 ? ["CustomResource"] : [];
            const grafanaObjects = ["ContactPoint", "MessageTemplate", "MuteTiming", "NotificationPolicy", "RuleGroup"];
            const { slack, pagerduty } = built[stack].config.alerting;
            if (slack.enabled || pagerduty.enabled) {
                assert.deepStrictEqual([before, later], [[...prometheusRules, "StackReference"], grafanaObjects], stack);
            } else {
                assert.deepStrictEqual([before, later], [[...grafanaObjects, ...prometheusRules].sort(), []], stack);
            }
            const outputs = registered[0].outputs;
            assert.strictEqual(outputs.contactPointNames, alerting.contactPointNames);
            assert.strictEqual(outputs.notificationPolicyId, alerting.notificationPolicyId);
            assert.strictEqual(outputs.ruleGroupNames, alerting.ruleGroupNames);
            assert.strictEqual(outputs.recordingRuleNames, alerting.recordingRuleNames);
            assert.strictEqual(outputs.contactPointFingerprints, alerting.contactPointFingerprints);
        }
    });
});

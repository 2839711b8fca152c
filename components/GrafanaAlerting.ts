import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../stacks/schema";
import { createRouting, routingDefinition } from "./grafana/alerting/routing";
import { createRuleGroups } from "./grafana/alerting/ruleGroups";
import { alertRuleGroups } from "./grafana/alerting/rules";
import { type RecordingRuleGroup, type ServiceSlo, sloRecordingRuleGroups } from "./grafana/alerting/sloRecording";

export interface GrafanaAlertingArgs {
    /** Notifiers, their settings and the maintenance window (`alerting` of the stack config). */
    settings: StackConfig["alerting"];
    /** Services with SLOs: their recording rules and burn-rate alerts. */
    services: StackConfig["services"];
    /** The stack's namespace: the stack-health rules watch it and the PrometheusRules live in it. */
    namespace: string;
    /** EKS/GKE/AKS hide the control plane: no rules about the scheduler, controller manager or etcd. */
    managedControlPlane: boolean;
    /** Slack bot token (secret config `slackToken`); required when Slack is enabled. */
    slackToken?: pulumi.Output<string>;
    /** PagerDuty Events v2 integration key (secret config `pagerdutyIntegrationKey`); required when PagerDuty is enabled. */
    pagerdutyIntegrationKey?: pulumi.Output<string>;
    /** UID of the folder that holds the platform alert rules. */
    alertsFolderUid: pulumi.Input<string>;
    /** UID of the folder that holds the SLO burn-rate alert rules. */
    slosFolderUid: pulumi.Input<string>;
}

/** Labels of the PrometheusRules; the operator selects every rule (ruleSelectorNilUsesHelmValues: false). */
export const RECORDING_RULE_LABELS = { "app.kubernetes.io/part-of": "observability", "app.kubernetes.io/component": "slo-recording-rules" } as const;

/** A recording rule group as the PrometheusRule CRD writes it. */
function prometheusRuleGroup(group: RecordingRuleGroup) {
    return {
        name: group.name,
        ...(group.interval ? { interval: group.interval } : {}),
        rules: group.rules.map((rule) => ({ record: rule.record, expr: rule.expr, ...(Object.keys(rule.labels).length > 0 ? { labels: rule.labels } : {}) })),
    };
}

/** Name of a service's PrometheusRule; the dots keep namespace "a-b" + service "c" apart from "a" + "b-c". */
export const recordingRuleName = (service: ServiceSlo) => `slo-recording.${service.namespace}.${service.name}`;

/**
 * Grafana-managed alerting: contact points, the one notification policy tree, the maintenance mute
 * timing and the alert rule groups, plus the SLO recording rules Prometheus evaluates for those alerts.
 * Create it with the automation's Grafana provider; the PrometheusRule uses the Kubernetes provider.
 */
export class GrafanaAlerting extends pulumi.ComponentResource {
    /** Names of the contact points created. */
    public readonly contactPointNames: pulumi.Output<string[]>;
    /** ID of the notification policy tree (one per organisation). */
    public readonly notificationPolicyId: pulumi.Output<string>;
    /** Names of the alert rule groups created. */
    public readonly ruleGroupNames: pulumi.Output<string[]>;
    /** Names of the PrometheusRules holding the SLO recording rules, one per service. */
    public readonly recordingRuleNames: pulumi.Output<string[]>;

    constructor(name: string, args: GrafanaAlertingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:grafana:Alerting", name, {}, opts);
        const { disableProvenance } = args.settings;

        const routing = createRouting(name, routingDefinition({
            settings: args.settings, slackToken: args.slackToken, pagerdutyIntegrationKey: args.pagerdutyIntegrationKey,
        }), { disableProvenance }, { parent: this });

        // One PrometheusRule per service: a few KB each, where one object for all services would pass the
        // API's 1.5 MiB limit at a few hundred services, and a service's change touches only its own object.
        const recordingGroups = sloRecordingRuleGroups(args.services); // one per service, in the same order
        const recordingRules = args.services.map((service, index) => new k8s.apiextensions.CustomResource(
            `${name}-slo-recording.${service.namespace}.${service.name}`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: recordingRuleName(service), namespace: args.namespace, labels: { ...RECORDING_RULE_LABELS } },
                spec: { groups: [prometheusRuleGroup(recordingGroups[index])] },
            }, { parent: this }));

        const groups = alertRuleGroups({ namespace: args.namespace, services: args.services, managedControlPlane: args.managedControlPlane });
        // Rules fire into the tree: it must exist first, or Grafana routes the first alerts to its default.
        // The SLO alerts read the recorded series: the PrometheusRules go first.
        const ruleGroups = createRuleGroups(name, groups, { alerts: args.alertsFolderUid, slos: args.slosFolderUid }, {
            disableProvenance,
            dependsOn: (group) => [routing.notificationPolicy, ...(group.folder === "slos" ? recordingRules : [])],
        }, { parent: this });

        this.contactPointNames = pulumi.all(routing.contactPoints.map((point) => point.name));
        this.notificationPolicyId = routing.notificationPolicy.id;
        this.ruleGroupNames = pulumi.all(ruleGroups.map((group) => group.name));
        this.recordingRuleNames = pulumi.all(recordingRules.map((rule) => rule.metadata.name));

        this.registerOutputs({
            contactPointNames: this.contactPointNames, notificationPolicyId: this.notificationPolicyId,
            ruleGroupNames: this.ruleGroupNames, recordingRuleNames: this.recordingRuleNames,
        });
    }
}

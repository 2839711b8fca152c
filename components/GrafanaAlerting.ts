import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../stacks/schema";
import { createRouting, routingDefinition } from "./grafana/alerting/routing";
import { createRuleGroups } from "./grafana/alerting/ruleGroups";
import { alertRuleGroups } from "./grafana/alerting/rules";
import { sloRecordingRuleGroups } from "./grafana/alerting/sloRecording";

export interface GrafanaAlertingArgs {
    /** Notifiers, their settings and the maintenance window (`alerting` of the stack config). */
    settings: StackConfig["alerting"];
    /** Services with SLOs: their recording rules and burn-rate alerts. */
    services: StackConfig["services"];
    /** The stack's namespace: the stack-health rules watch it and the PrometheusRule lives in it. */
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

/** Labels of the PrometheusRule; the operator selects every rule (ruleSelectorNilUsesHelmValues: false). */
export const RECORDING_RULE_LABELS = { "app.kubernetes.io/part-of": "observability", "app.kubernetes.io/component": "slo-recording-rules" } as const;
export const RECORDING_RULE_NAME = "observability-slo-recording";

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
    /** Name of the PrometheusRule holding the SLO recording rules, when there are services. */
    public readonly recordingRuleName: pulumi.Output<string | undefined>;

    constructor(name: string, args: GrafanaAlertingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:grafana:Alerting", name, {}, opts);
        const { disableProvenance } = args.settings;

        const routing = createRouting(name, routingDefinition({
            settings: args.settings, slackToken: args.slackToken, pagerdutyIntegrationKey: args.pagerdutyIntegrationKey,
        }), { disableProvenance }, { parent: this });

        const recordingGroups = sloRecordingRuleGroups(args.services);
        // SLO alerts read the recorded series, so Prometheus gets the rules before Grafana gets the alerts.
        const recordingRule = args.services.length > 0 && recordingGroups.length > 0
            ? new k8s.apiextensions.CustomResource(`${name}-slo-recording-rules`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: RECORDING_RULE_NAME, namespace: args.namespace, labels: { ...RECORDING_RULE_LABELS } },
                spec: {
                    groups: recordingGroups.map((group) => ({
                        name: group.name,
                        ...(group.interval ? { interval: group.interval } : {}),
                        rules: group.rules.map((rule) => ({
                            record: rule.record, expr: rule.expr, ...(Object.keys(rule.labels).length > 0 ? { labels: rule.labels } : {}),
                        })),
                    })),
                },
            }, { parent: this })
            : undefined;

        const groups = alertRuleGroups({ namespace: args.namespace, services: args.services, managedControlPlane: args.managedControlPlane });
        // Rules fire into the tree: it must exist first, or Grafana routes the first alerts to its default.
        const ruleGroups = createRuleGroups(name, groups, { alerts: args.alertsFolderUid, slos: args.slosFolderUid }, { disableProvenance }, {
            parent: this, dependsOn: [routing.notificationPolicy, ...(recordingRule ? [recordingRule] : [])],
        });

        this.contactPointNames = pulumi.all(routing.contactPoints.map((point) => point.name));
        this.notificationPolicyId = routing.notificationPolicy.id;
        this.ruleGroupNames = pulumi.all(ruleGroups.map((group) => group.name));
        this.recordingRuleName = recordingRule ? recordingRule.metadata.name : pulumi.output(undefined);

        this.registerOutputs({
            contactPointNames: this.contactPointNames, notificationPolicyId: this.notificationPolicyId,
            ruleGroupNames: this.ruleGroupNames, recordingRuleName: this.recordingRuleName,
        });
    }
}

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../stacks/schema";
import { sloRuleObjects } from "../slo/ruleObjects";
import { type Fingerprints, guardContactPoints } from "./alerting/contactPointFingerprints";
import { createRouting, routingDefinition } from "./alerting/routing";
import { createRuleGroups } from "./alerting/ruleGroups";
import { alertRuleGroups } from "./alerting/rules";

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

/**
 * Grafana-managed alerting: contact points, the one notification policy tree, the maintenance mute
 * timing and the alert rule groups, plus the SLO recording rules Prometheus evaluates for those alerts.
 * Create it with the automation's Grafana provider; the PrometheusRule uses the Kubernetes provider.
 *
 * The Grafana objects are registered after the constructor returns (once the stack's last
 * `contactPointFingerprints` are read), so depend on its outputs rather than on the component itself.
 * The program must export `contactPointFingerprints` under FINGERPRINTS_OUTPUT (index.ts does), or every
 * run sends the secret-carrying contact points in full and previews show them updated (pulumi-grafana#379).
 */
export class GrafanaAlerting extends pulumi.ComponentResource {
    /** Names of the contact points created. */
    public readonly contactPointNames: pulumi.Output<string[]>;
    /** ID of the notification policy tree (one per organisation). */
    public readonly notificationPolicyId: pulumi.Output<string>;
    /** Names of the alert rule groups created. */
    public readonly ruleGroupNames: pulumi.Output<string[]>;
    /** Names of the PrometheusRules holding the SLO recording rules: a rule group per service and the shared SLI group. */
    public readonly recordingRuleNames: pulumi.Output<string[]>;
    /**
     * Secret: a fingerprint of what each secret-carrying contact point holds after this run (contactPointFingerprints.ts).
     * The stack exports it; the next deployment reads it back to tell a real change from pulumi-grafana#379.
     */
    public readonly contactPointFingerprints: pulumi.Output<Fingerprints>;

    constructor(name: string, args: GrafanaAlertingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:grafana:Alerting", name, {}, opts);
        const { disableProvenance } = args.settings;

        const routing = routingDefinition({
            settings: args.settings,
            slackToken: args.slackToken,
            pagerdutyIntegrationKey: args.pagerdutyIntegrationKey,
        });
        // pulumi-grafana#379: contact points with a secret show a phantom update unless sent as before (contactPointFingerprints.ts).
        const contactPointGuard = guardContactPoints(name, routing.contactPoints, disableProvenance, this);

        // The services' recording rule groups and the shared SLI group, packed into as few PrometheusRules as
        // stay well under the API's 1.5 MiB object limit (ruleObjects.ts): one object for a thousand services.
        const recordingRules = sloRuleObjects(args.services).map(
            (object) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-${object.name}`,
                    {
                        apiVersion: "monitoring.coreos.com/v1",
                        kind: "PrometheusRule",
                        metadata: { name: object.name, namespace: args.namespace, labels: { ...RECORDING_RULE_LABELS } },
                        spec: { groups: object.groups },
                    },
                    { parent: this },
                ),
        );

        const groups = alertRuleGroups({ namespace: args.namespace, services: args.services, managedControlPlane: args.managedControlPlane });
        // The Grafana objects are registered once this stack's last fingerprints are read: whether a contact
        // point's integration is ignoreChanges'd must be known when it is registered. Only stacks with a
        // secret-carrying contact point read them; the others have nothing to compare.
        const grafanaObjects = (async () => {
            const unchanged = contactPointGuard.readsLastDeployment ? await contactPointGuard.unchanged() : undefined;
            const routingResources = createRouting(name, routing, { disableProvenance, unchanged }, { parent: this });
            // Rules fire into the tree: it must exist first, or Grafana routes the first alerts to its default.
            // The SLO alerts read the recorded series: the PrometheusRules go first.
            const ruleGroups = createRuleGroups(
                name,
                groups,
                { alerts: args.alertsFolderUid, slos: args.slosFolderUid },
                {
                    disableProvenance,
                    dependsOn: (group) => [routingResources.notificationPolicy, ...(group.folder === "slos" ? recordingRules : [])],
                },
                { parent: this },
            );
            return { routingResources, ruleGroups };
        })();

        this.contactPointNames = pulumi.output(
            grafanaObjects.then(({ routingResources }) => pulumi.all(routingResources.contactPoints.map((point) => point.name))),
        );
        this.notificationPolicyId = pulumi.output(grafanaObjects.then(({ routingResources }) => routingResources.notificationPolicy.id));
        this.ruleGroupNames = pulumi.output(grafanaObjects.then(({ ruleGroups }) => pulumi.all(ruleGroups.map((group) => group.name))));
        this.recordingRuleNames = pulumi.all(recordingRules.map((rule) => rule.metadata.name));
        // What the contact points hold after this run, from their own state: the next run compares with it.
        this.contactPointFingerprints = contactPointGuard.held(grafanaObjects.then(({ routingResources }) => routingResources.contactPoints));

        this.registerOutputs({
            contactPointNames: this.contactPointNames,
            notificationPolicyId: this.notificationPolicyId,
            ruleGroupNames: this.ruleGroupNames,
            recordingRuleNames: this.recordingRuleNames,
            contactPointFingerprints: this.contactPointFingerprints,
        });
    }
}

// Where Grafana's alerts go, read like the provisioning files of the reference guide (contact-points.yaml,
// notification-policies.yaml, mute-timings.yaml): first the data, then one function that creates it.
// The notification policy tree is a singleton per organisation: this program owns all of it.
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import type { StackConfig } from "../../../stacks/schema";
import { durationSeconds } from "../../../stacks/units";
import { prometheusDurationString } from "./wireFormat";

type AlertingSettings = StackConfig["alerting"];
type SlackSettings = grafana.types.input.alerting.ContactPointSlack;
type EmailSettings = grafana.types.input.alerting.ContactPointEmail;
type PagerdutySettings = grafana.types.input.alerting.ContactPointPagerduty;

/** The template group every notification uses; the names it defines are prefixed with it. */
export const MESSAGE_TEMPLATE_NAME = "observability";
export const TEMPLATE_NAMES = { title: "observability.title", message: "observability.message" } as const;
const use = (template: string) => `{{ template "${template}" . }}`;

/**
 * One title (alert name, status, how many fire) and one body per alert (summary, description, the
 * service and team labels our rules carry, runbook, dashboard and silence links), shared by Slack and email.
 */
export const MESSAGE_TEMPLATE = `{{ define "${TEMPLATE_NAMES.title}" -}}
[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}{{ if .CommonLabels.severity }} ({{ .CommonLabels.severity }}){{ end }}
{{- end }}

{{ define "${TEMPLATE_NAMES.message}" -}}
{{ range .Alerts -}}
{{ if .Annotations.summary }}{{ .Annotations.summary }}{{ else }}{{ .Labels.alertname }}{{ end }} ({{ .Status }})
{{ if .Annotations.description }}{{ .Annotations.description }}
{{ end -}}
{{ if .Labels.service }}Service: {{ .Labels.service }}{{ if .Labels.team }} (team {{ .Labels.team }}){{ end }}
{{ end -}}
{{ if .Annotations.runbook_url }}Runbook: {{ .Annotations.runbook_url }}
{{ end -}}
{{ if .DashboardURL }}Dashboard: {{ .DashboardURL }}
{{ end -}}
{{ if .SilenceURL }}Silence: {{ .SilenceURL }}
{{ end }}
{{ end -}}
{{- end }}`;

/**
 * PagerDuty accepts critical, error, warning and info; Grafana templates the field, so the alert's own
 * severity label picks it and anything else pages as critical (Grafana's default).
 */
export const PAGERDUTY_SEVERITY = `{{ if eq .CommonLabels.severity "warning" }}warning{{ else if eq .CommonLabels.severity "info" }}info{{ else }}critical{{ end }}`;

/**
 * When no notifier is enabled (dev), the tree still needs a receiver. An email to a `.invalid` address
 * (RFC 2606: never resolves) cannot reach anyone even if someone configures SMTP later; the alerts stay
 * visible in Grafana's alert list, which is all a laptop needs.
 */
export const FALLBACK_ADDRESS = "notifications-off@example.invalid";

export const CONTACT_POINT_NAMES = {
    slack: "Platform Team Slack",
    email: "Email Notifications",
    pagerduty: "On-Call PagerDuty",
    fallback: "No Notifications",
} as const;
export type ContactPointKey = keyof typeof CONTACT_POINT_NAMES;

/** Grouping and timings of the guide's notification-policies.yaml. */
export const ROOT_TIMINGS = { groupBy: ["alertname", "severity"], groupWait: "30s", groupInterval: "5m", repeatInterval: "4h" } as const;
/** Warnings wait a little longer and repeat once a day: nobody is paged for them (the guide's warning route). */
export const WARNING_TIMINGS = { groupWait: "1m", repeatInterval: "24h" } as const;

export type ContactPointDefinition = { key: ContactPointKey; name: string } & (
    | { type: "slack"; settings: SlackSettings }
    | { type: "email"; settings: EmailSettings }
    | { type: "pagerduty"; settings: PagerdutySettings }
);

export interface Matcher {
    label: string;
    match: "=" | "!=" | "=~" | "!~";
    value: string;
}

export interface RouteDefinition {
    receiver: string;
    matchers: Matcher[];
    /** Keep matching the next routes after this one. */
    continue: boolean;
    /** Names of mute timings that silence this route. */
    muteTimings: string[];
    groupWait?: string;
    repeatInterval?: string;
}

export interface PolicyTreeDefinition {
    /** Receives every alert no route takes. */
    receiver: string;
    groupBy: string[];
    groupWait: string;
    groupInterval: string;
    repeatInterval: string;
    routes: RouteDefinition[];
}

export interface MuteTimingDefinition {
    name: string;
    weekdays: string[];
    startTime: string;
    endTime: string;
    location: string;
}

export interface RoutingDefinition {
    template: { name: string; content: string };
    muteTiming: MuteTimingDefinition;
    contactPoints: ContactPointDefinition[];
    policy: PolicyTreeDefinition;
}

export interface RoutingInputs {
    settings: AlertingSettings;
    /** Slack bot token; required when Slack is enabled. */
    slackToken?: pulumi.Input<string>;
    /** PagerDuty Events v2 integration key; required when PagerDuty is enabled. */
    pagerdutyIntegrationKey?: pulumi.Input<string>;
}

const severityIs = (value: string): Matcher[] => [{ label: "severity", match: "=", value }];

/** A secret input, or a clear error naming the config key (the loader normally reports it first). */
function requiredSecret(value: pulumi.Input<string> | undefined, key: string, what: string): pulumi.Output<string> {
    if (value === undefined) throw new Error(`${what} is enabled but ${key} is missing; run: pulumi config set --secret ${key} <value>`);
    return pulumi.secret(value);
}

export function contactPointDefinitions(inputs: RoutingInputs): ContactPointDefinition[] {
    const { slack, email, pagerduty } = inputs.settings;
    const definitions: ContactPointDefinition[] = [];
    if (slack.enabled) {
        definitions.push({
            key: "slack",
            name: CONTACT_POINT_NAMES.slack,
            type: "slack",
            settings: {
                token: requiredSecret(inputs.slackToken, "slackToken", "Slack (alerting.slack.enabled)"),
                recipient: slack.recipient,
                username: slack.username,
                ...(slack.mentionChannel ? { mentionChannel: slack.mentionChannel } : {}),
                title: use(TEMPLATE_NAMES.title),
                text: use(TEMPLATE_NAMES.message),
            },
        });
    }
    if (email.enabled) {
        definitions.push({
            key: "email",
            name: CONTACT_POINT_NAMES.email,
            type: "email",
            settings: { addresses: email.addresses, singleEmail: true, subject: use(TEMPLATE_NAMES.title), message: use(TEMPLATE_NAMES.message) },
        });
    }
    if (pagerduty.enabled) {
        definitions.push({
            key: "pagerduty",
            name: CONTACT_POINT_NAMES.pagerduty,
            type: "pagerduty",
            settings: {
                integrationKey: requiredSecret(inputs.pagerdutyIntegrationKey, "pagerdutyIntegrationKey", "PagerDuty (alerting.pagerduty.enabled)"),
                class: pagerduty.class,
                component: pagerduty.component,
                group: pagerduty.group,
                severity: PAGERDUTY_SEVERITY,
                summary: use(TEMPLATE_NAMES.title),
            },
        });
    }
    if (!slack.enabled && !email.enabled) {
        definitions.push({
            key: "fallback",
            name: CONTACT_POINT_NAMES.fallback,
            type: "email",
            settings: { addresses: [FALLBACK_ADDRESS], singleEmail: true, disableResolveMessage: true },
        });
    }
    return definitions;
}

/**
 * The guide's tree: team channel by default, critical pages on-call (muted in the maintenance window),
 * warnings by email at a slower pace. Alertmanager hands an alert to the parent's receiver only when no
 * route matched, so "continue" on the page alone would keep criticals out of the team channel: a second
 * critical route sends them there too.
 */
export function policyTreeDefinition(settings: AlertingSettings): PolicyTreeDefinition {
    const receiver = settings.slack.enabled ? CONTACT_POINT_NAMES.slack : settings.email.enabled ? CONTACT_POINT_NAMES.email : CONTACT_POINT_NAMES.fallback;
    const routes: RouteDefinition[] = [];
    if (settings.pagerduty.enabled) {
        routes.push(
            { receiver: CONTACT_POINT_NAMES.pagerduty, matchers: severityIs("critical"), continue: true, muteTimings: [settings.maintenanceWindow.name] },
            { receiver, matchers: severityIs("critical"), continue: false, muteTimings: [] },
        );
    }
    if (settings.email.enabled) {
        routes.push({ receiver: CONTACT_POINT_NAMES.email, matchers: severityIs("warning"), continue: false, muteTimings: [], ...WARNING_TIMINGS });
    }
    return {
        receiver,
        groupBy: [...ROOT_TIMINGS.groupBy],
        groupWait: ROOT_TIMINGS.groupWait,
        groupInterval: ROOT_TIMINGS.groupInterval,
        repeatInterval: ROOT_TIMINGS.repeatInterval,
        routes,
    };
}

export function routingDefinition(inputs: RoutingInputs): RoutingDefinition {
    const window = inputs.settings.maintenanceWindow;
    return {
        template: { name: MESSAGE_TEMPLATE_NAME, content: MESSAGE_TEMPLATE },
        muteTiming: { name: window.name, weekdays: [...window.weekdays], startTime: window.startTime, endTime: window.endTime, location: window.location },
        contactPoints: contactPointDefinitions(inputs),
        policy: policyTreeDefinition(inputs.settings),
    };
}

export interface Routing {
    template: grafana.alerting.MessageTemplate;
    muteTiming: grafana.alerting.MuteTiming;
    contactPoints: grafana.alerting.ContactPoint[];
    notificationPolicy: grafana.alerting.NotificationPolicy;
}

/** The ContactPoint argument (and output) that holds each integration type's blocks. */
export const INTEGRATION_FIELD = { slack: "slacks", email: "emails", pagerduty: "pagerduties" } as const satisfies Record<
    ContactPointDefinition["type"],
    keyof grafana.alerting.ContactPointArgs
>;

/**
 * A route timing as Grafana returns it: route durations are Prometheus model.Duration there, printed with
 * the largest unit ("24h" comes back "1d"), and the provider stores that text as it is (packSpecificPolicy).
 */
export const grafanaRouteDuration = (duration: string): string => prometheusDurationString(durationSeconds(duration) * 1000);

function renderRoute(route: RouteDefinition): grafana.types.input.alerting.NotificationPolicyPolicy {
    return {
        contactPoint: route.receiver,
        matchers: route.matchers,
        continue: route.continue,
        ...(route.muteTimings.length > 0 ? { muteTimings: route.muteTimings } : {}),
        ...(route.groupWait ? { groupWait: grafanaRouteDuration(route.groupWait) } : {}),
        ...(route.repeatInterval ? { repeatInterval: grafanaRouteDuration(route.repeatInterval) } : {}),
    };
}

export interface RoutingOptions {
    disableProvenance: boolean;
    /**
     * Contact points sent exactly this before (same fingerprint, contactPointFingerprints.ts): their
     * integration block is ignoreChanges'd, which drops the provider's phantom update (pulumi-grafana#379).
     */
    unchanged?: ReadonlySet<ContactPointKey>;
}

/**
 * Creates the template, the mute timing, one contact point per definition and the policy tree; each waits
 * for what it names, because Grafana refuses a reference to something that does not exist yet.
 */
export function createRouting(name: string, definition: RoutingDefinition, options: RoutingOptions, opts: pulumi.CustomResourceOptions): Routing {
    const { disableProvenance, unchanged = new Set() } = options;
    const template = new grafana.alerting.MessageTemplate(
        `${name}-template`,
        {
            name: definition.template.name,
            template: definition.template.content,
            disableProvenance,
        },
        opts,
    );
    const window = definition.muteTiming;
    const muteTiming = new grafana.alerting.MuteTiming(
        `${name}-mute-timing`,
        {
            name: window.name,
            intervals: [{ weekdays: window.weekdays, times: [{ start: window.startTime, end: window.endTime }], location: window.location }],
            disableProvenance,
        },
        opts,
    );
    const contactPoints = definition.contactPoints.map(
        (point) =>
            new grafana.alerting.ContactPoint(
                `${name}-contact-point-${point.key}`,
                {
                    name: point.name,
                    [INTEGRATION_FIELD[point.type]]: [point.settings],
                    disableProvenance,
                },
                pulumi.mergeOptions(opts, {
                    dependsOn: [template],
                    ...(unchanged.has(point.key) ? { ignoreChanges: [INTEGRATION_FIELD[point.type]] } : {}),
                }),
            ),
    );
    const tree = definition.policy;
    const notificationPolicy = new grafana.alerting.NotificationPolicy(
        `${name}-notification-policy`,
        {
            contactPoint: tree.receiver,
            groupBies: tree.groupBy,
            groupWait: grafanaRouteDuration(tree.groupWait),
            groupInterval: grafanaRouteDuration(tree.groupInterval),
            repeatInterval: grafanaRouteDuration(tree.repeatInterval),
            policies: tree.routes.map(renderRoute),
            disableProvenance,
        },
        pulumi.mergeOptions(opts, { dependsOn: [...contactPoints, muteTiming] }),
    );
    return { template, muteTiming, contactPoints, notificationPolicy };
}

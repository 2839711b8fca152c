// kube-prometheus-stack's default alerts (and any PrometheusRule alert in the cluster) are evaluated by Prometheus,
// and Grafana's Alertmanager cannot receive alerts from outside Grafana (Grafana's Alertmanager documentation,
// "Grafana Alertmanager ... cannot receive alerts from outside Grafana"). So the chart's Alertmanager delivers them,
// configured from the same routing definition as Grafana's notification policy: the same contact point names,
// matchers, timings and maintenance window, rendered once for each (components/grafana/alerting/routing.ts).
// Field names are Alertmanager v0.34.0's (config/config.go, config/notifiers.go, notify/pagerduty/config.go),
// the release kube-prometheus-stack 88.5.3 deploys; tools/alertmanagerconfig loads the rendered file with it.
import type { StackConfig } from "../../stacks/schema";
import { CONTACT_POINT_NAMES, type Matcher, PAGERDUTY_SEVERITY, policyTreeDefinition, type RouteDefinition } from "../grafana/alerting/routing";

type AlertingSettings = StackConfig["alerting"];
type SmtpSettings = NonNullable<StackConfig["grafana"]["smtp"]>;

/** The Secret the program creates with the notifiers' credentials; the operator mounts it into Alertmanager. */
export const ALERTMANAGER_NOTIFIER_SECRET = "alertmanager-notifiers";
/** Where the operator mounts each of `alertmanagerSpec.secrets` (prometheus-operator: `/etc/alertmanager/secrets/<name>`). */
export const NOTIFIER_SECRET_DIR = `/etc/alertmanager/secrets/${ALERTMANAGER_NOTIFIER_SECRET}`;
export const NOTIFIER_SECRET_KEYS = { slackToken: "slack-token", pagerdutyIntegrationKey: "pagerduty-integration-key", smtpPassword: "smtp-password" } as const;
export type NotifierSecretKey = keyof typeof NOTIFIER_SECRET_KEYS;

/**
 * Alerts that fire by design and must notify nobody: `Watchdog` is kube-prometheus' always-firing heartbeat (a
 * dead man's switch for an external checker) and `InfoInhibitor` only exists to inhibit info alerts (the chart's
 * own default configuration routes the first to its "null" receiver and inhibits the second).
 */
export const ALWAYS_FIRING_ALERTS = ["Watchdog", "InfoInhibitor"] as const;
/** A receiver without integrations: Alertmanager accepts it and notifies nobody. */
export const SILENT_RECEIVER = CONTACT_POINT_NAMES.fallback;

/** Which credentials the configuration reads, for the Secret the Prometheus component creates. */
export function notifierSecretKeys(settings: AlertingSettings, smtp: SmtpSettings | undefined): NotifierSecretKey[] {
    return [
        ...(settings.slack.enabled ? ["slackToken" as const] : []),
        ...(settings.pagerduty.enabled ? ["pagerdutyIntegrationKey" as const] : []),
        ...(settings.email.enabled && smtp ? ["smtpPassword" as const] : []),
    ];
}

const secretFile = (key: NotifierSecretKey) => `${NOTIFIER_SECRET_DIR}/${NOTIFIER_SECRET_KEYS[key]}`;
/** Alertmanager's matcher syntax; a JSON string is a valid double-quoted matcher value. */
const matcherText = (m: Matcher) => `${m.label}${m.match}${JSON.stringify(m.value)}`;

function receivers(settings: AlertingSettings, smtp: SmtpSettings | undefined): Array<Record<string, unknown>> {
    const { slack, email, pagerduty } = settings;
    const list: Array<Record<string, unknown>> = [];
    if (slack.enabled) {
        list.push({
            name: CONTACT_POINT_NAMES.slack,
            slack_configs: [
                {
                    // A bot token, as Grafana's Slack contact point uses: posted to chat.postMessage (Alertmanager's slack_app_url default).
                    app_token_file: secretFile("slackToken"),
                    channel: slack.recipient,
                    username: slack.username,
                    send_resolved: true,
                    // Where Grafana's Slack notifier puts it: a mention in the attachment's pretext (markdown there by default).
                    ...(slack.mentionChannel ? { pretext: `<!${slack.mentionChannel}|${slack.mentionChannel}>` } : {}),
                },
            ],
        });
    }
    if (email.enabled && smtp) {
        list.push({
            name: CONTACT_POINT_NAMES.email,
            // One message to every address, as Grafana's singleEmail.
            email_configs: [{ to: email.addresses.join(", "), send_resolved: true }],
        });
    }
    if (pagerduty.enabled) {
        list.push({
            name: CONTACT_POINT_NAMES.pagerduty,
            pagerduty_configs: [
                {
                    routing_key_file: secretFile("pagerdutyIntegrationKey"),
                    severity: PAGERDUTY_SEVERITY,
                    class: pagerduty.class,
                    component: pagerduty.component,
                    group: pagerduty.group,
                    send_resolved: true,
                },
            ],
        });
    }
    list.push({ name: SILENT_RECEIVER });
    return list;
}

function route(definition: RouteDefinition): Record<string, unknown> {
    return {
        receiver: definition.receiver,
        matchers: definition.matchers.map(matcherText),
        continue: definition.continue,
        ...(definition.muteTimings.length > 0 ? { mute_time_intervals: definition.muteTimings } : {}),
        ...(definition.groupWait ? { group_wait: definition.groupWait } : {}),
        ...(definition.repeatInterval ? { repeat_interval: definition.repeatInterval } : {}),
    };
}

/**
 * `alertmanager.config` of kube-prometheus-stack. Helm merges it over the chart's default (values.yaml
 * `alertmanager.config`): `global.resolve_timeout`, the four `inhibit_rules` and `templates` stay the chart's;
 * route, receivers and time intervals are replaced by ours. It holds no secret: credentials are read from files.
 */
export function alertmanagerConfig(settings: AlertingSettings, smtp: SmtpSettings | undefined): Record<string, unknown> {
    const tree = policyTreeDefinition(settings);
    const window = settings.maintenanceWindow;
    return {
        ...(settings.email.enabled && smtp
            ? {
                  global: {
                      smtp_smarthost: smtp.host,
                      smtp_from: smtp.fromAddress,
                      smtp_auth_username: smtp.user,
                      smtp_auth_password_file: secretFile("smtpPassword"),
                      // STARTTLS or nothing, as Grafana's [smtp] startTLS_policy MandatoryStartTLS (components/grafana/Grafana.ts).
                      smtp_require_tls: true,
                  },
              }
            : {}),
        route: {
            receiver: tree.receiver,
            group_by: tree.groupBy,
            group_wait: tree.groupWait,
            group_interval: tree.groupInterval,
            repeat_interval: tree.repeatInterval,
            routes: [{ receiver: SILENT_RECEIVER, matchers: [`alertname=~"${ALWAYS_FIRING_ALERTS.join("|")}"`], continue: false }, ...tree.routes.map(route)],
        },
        receivers: receivers(settings, smtp),
        time_intervals: [
            {
                name: window.name,
                time_intervals: [{ weekdays: window.weekdays, times: [{ start_time: window.startTime, end_time: window.endTime }], location: window.location }],
            },
        ],
    };
}

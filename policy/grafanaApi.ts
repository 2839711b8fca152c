// Policies on what the program configures through Grafana's API (@pulumiverse/grafana): datasources
// that keep their identity, alert rules that can be routed and read, and production alerts that page.
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { DEFAULT_PRODUCTION_STACKS, isNonEmptyString, isObject, isTruthy, type ProductionConfig, requireProductionStack, TYPES, valueAt } from "./common";

/** Grafana's UID rule (pkg/util: at most 40 characters of letters, digits, "-" and "_"). */
const GRAFANA_UID = /^[A-Za-z0-9_-]{1,40}$/;

export const datasourceFixedUid: ResourceValidationPolicy = {
    name: "grafana-datasource-fixed-uid",
    description: "Every Grafana datasource has a fixed, valid UID: dashboards, alert rules and trace/log links refer to datasources by UID.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        "Add the datasource to DATASOURCE_UIDS in components/grafana/uids.ts and pass uid: DATASOURCE_UIDS.<key> when creating it " +
        "(components/grafana/datasources.ts).",
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.dataSource) args.notApplicable(`applies to ${TYPES.dataSource} only`);
        const { uid, name } = args.props as { uid?: unknown; name?: unknown };
        const what = `Grafana datasource "${isNonEmptyString(name) ? name : args.name}"`;
        const fix = "Fix: give it a fixed uid in DATASOURCE_UIDS (components/grafana/uids.ts) and pass it as uid (components/grafana/datasources.ts).";
        if (!isNonEmptyString(uid)) {
            reportViolation(
                `${what} has no fixed uid: Grafana generates a new one whenever it is re-created, and every dashboard, ` +
                    `alert rule and trace/log link that names it breaks. ${fix}`,
            );
        } else if (!GRAFANA_UID.test(uid)) {
            reportViolation(`${what} has uid ${JSON.stringify(uid)}, which Grafana refuses (at most 40 letters, digits, "-" and "_"). ${fix}`);
        }
    },
};

export const DEFAULT_ALERT_SEVERITIES = ["critical", "warning", "info"];

interface AlertRuleConfig {
    severities?: string[];
}

export const alertRulesRoutableAndReadable: ResourceValidationPolicy = {
    name: "alert-rules-severity-and-summary",
    description: "Every Grafana alert rule carries a severity label (what the notification policy routes on) and a summary annotation (what on-call reads).",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema: {
        properties: {
            severities: {
                type: "array",
                items: { type: "string" },
                default: DEFAULT_ALERT_SEVERITIES,
                description: "Allowed values of the severity label (the notification policy's routes match on them).",
            },
        },
    },
    remediationSteps:
        'Give each rule labels: {severity: "critical" | "warning" | "info"} and annotations: {summary: "..."} where it is defined ' +
        "(components/grafana/alerting/).",
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.ruleGroup) args.notApplicable(`applies to ${TYPES.ruleGroup} only`);
        const severities = args.getConfig<AlertRuleConfig>().severities ?? DEFAULT_ALERT_SEVERITIES;
        const group = isNonEmptyString(args.props.name) ? args.props.name : args.name;
        const rules: unknown[] = Array.isArray(args.props.rules) ? args.props.rules : [];
        for (const rule of rules.filter(isObject)) {
            // Recording rules produce series, not notifications.
            if (isObject(rule.record)) continue;
            const what = `Alert rule "${String(rule.name)}" of rule group "${group}"`;
            const where = "Fix: set it where the rule is defined (components/grafana/alerting/).";
            const severity = valueAt(rule, "labels", "severity");
            if (!isNonEmptyString(severity)) {
                reportViolation(
                    `${what} has no severity label: the notification policy routes on severity, so it falls to the default ` +
                        `contact point and never pages. ${where}`,
                );
            } else if (!severities.includes(severity)) {
                reportViolation(`${what} has severity ${JSON.stringify(severity)}; routes match only ${severities.join(", ")}. ${where}`);
            }
            if (!isNonEmptyString(valueAt(rule, "annotations", "summary"))) {
                reportViolation(`${what} has no summary annotation: the notification says only the rule's name. ${where}`);
            }
        }
    },
};

// ---- Production alerts reach on-call ----

/** Contact point integrations that page a person (the others post to a channel or an inbox). */
const PAGING_INTEGRATIONS = ["pagerduties", "opsgenies", "oncalls", "victorops"];

interface Matcher {
    label?: string;
    match?: string;
    value?: string;
}
interface Route {
    contactPoint?: string;
    matchers?: Matcher[];
    policies?: Route[];
    continue?: boolean | string;
}

/** Alertmanager matching: a missing label is the empty string; regexes are anchored. */
function matches(matchers: Matcher[] | undefined, labels: Record<string, string>): boolean {
    return (matchers ?? []).every(({ label = "", match = "=", value = "" }) => {
        const actual = labels[label] ?? "";
        switch (match) {
            case "=":
                return actual === value;
            case "!=":
                return actual !== value;
            case "=~":
                return new RegExp(`^(?:${value})$`).test(actual);
            case "!~":
                return !new RegExp(`^(?:${value})$`).test(actual);
            default:
                return false;
        }
    });
}

/**
 * The contact points an alert with `labels` is delivered to, the way Grafana's Alertmanager routes it:
 * the first matching child route takes it (further ones only after `continue: true`); a route with no
 * matching child delivers to its own contact point, inherited from its parent when unset.
 */
export function deliveredTo(route: Route, labels: Record<string, string>, inherited?: string): string[] {
    const receiver = isNonEmptyString(route.contactPoint) ? route.contactPoint : inherited;
    const delivered: string[] = [];
    let matched = false;
    for (const child of route.policies ?? []) {
        if (!matches(child.matchers, labels)) continue;
        matched = true;
        delivered.push(...deliveredTo(child, labels, receiver));
        if (!isTruthy(child.continue)) break;
    }
    if (!matched && receiver) delivered.push(receiver);
    return delivered;
}

interface OnCallConfig extends ProductionConfig {
    onCallContactPoints?: string[];
}

const contactPointName = (resource: PolicyResource) => (isNonEmptyString(resource.props.name) ? resource.props.name : resource.name);

export const productionAlertsReachOnCall: StackValidationPolicy = {
    name: "production-alerts-reach-on-call",
    description:
        "In production, a critical alert is routed by the Grafana notification policy to an on-call contact point (PagerDuty, Opsgenie, OnCall, VictorOps).",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            productionStacks: { type: "array", items: { type: "string" }, default: DEFAULT_PRODUCTION_STACKS },
            onCallContactPoints: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "Names of further contact points that page on-call (e.g. a webhook into an in-house pager).",
            },
        },
    },
    remediationSteps:
        "Enable observability:alerting.pagerduty (enabled: true) and run pulumi config set --secret pagerdutyIntegrationKey <key>; " +
        "the notification policy then sends severity=critical to PagerDuty. Another pager can be named in this policy's onCallContactPoints config.",
    validateStack: (args, reportViolation) => {
        requireProductionStack(args.resources, args);
        const config = args.getConfig<OnCallConfig>();
        const contactPoints = args.resources.filter((r) => r.type === TYPES.contactPoint);
        const onCall = new Set([
            ...(config.onCallContactPoints ?? []),
            ...contactPoints.filter((cp) => PAGING_INTEGRATIONS.some((key) => Array.isArray(cp.props[key]) && cp.props[key].length > 0)).map(contactPointName),
        ]);
        const fix =
            "Fix: enable observability:alerting.pagerduty and pulumi config set --secret pagerdutyIntegrationKey <key> " +
            "(or name the pager's contact point in this policy's onCallContactPoints config).";
        const policies = args.resources.filter((r) => r.type === TYPES.notificationPolicy);
        if (policies.length === 0) {
            reportViolation(`The stack has no Grafana notification policy: alerts go to Grafana's default contact point and page nobody. ${fix}`);
        }
        for (const policy of policies) {
            const receivers = deliveredTo(policy.props as Route, { severity: "critical" });
            if (!receivers.some((receiver) => onCall.has(receiver))) {
                const known = onCall.size > 0 ? `on-call contact points: ${[...onCall].join(", ")}` : "no contact point has a paging integration";
                reportViolation(
                    `The notification policy sends a severity=critical alert only to ${receivers.join(", ") || "nobody"} (${known}): ` +
                        `production outages would page nobody. ${fix}`,
                    policy.urn,
                );
            }
        }
    },
};

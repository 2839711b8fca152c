// Every alert rule the program provisions, as data: the guide's service-health rules, the stack's own
// health (stackRules.ts, with each backend's healthRules.ts) and per-service SLO burn rates
// (components/slo/burnRateRules.ts). ruleGroups.ts renders the same definitions into Grafana rule groups and
// into a Prometheus rules file.
//
// The synthetic series that make each rule fire and stay silent are test data, kept out of the build in
// tests/support/ruleCases/ under the rule's UID; tests/unit/rule-cases.test.ts fails for a rule without them
// and tests/engines/promtool-rules.test.ts runs every one through promtool.
import { scrapesControlPlane } from "../../../stacks/cluster";
import type { StackConfig } from "../../../stacks/schema";
import { durationSeconds } from "../../../stacks/units";
import { sloRuleGroups } from "../../slo/burnRateRules";
import { serviceHealthRules } from "./serviceRules";
import { stackHealthRules } from "./stackRules";

export type Severity = "critical" | "warning";

export interface AlertRuleDefinition {
    /** Fixed UID (letters, digits, "-", "_"; at most 40 characters): silences and links refer to it. */
    uid: string;
    /** The rule's name; it becomes the `alertname` label. */
    title: string;
    /** PromQL for the Prometheus datasource; one series per alert instance. */
    expr: string;
    /** How each series of `expr` is compared with `threshold`. */
    comparison: "gt" | "lt";
    threshold: number;
    /** How long the comparison must hold before the alert fires, e.g. "5m". */
    for: string;
    severity: Severity;
    /** Team the alert belongs to: "platform" for the stack itself; unset, each series' own `team` label (SLO alerts carry their service's). */
    team?: string;
    /** Annotations may use `{{ $labels.<name> }}` only: Grafana and Prometheus expand that the same way. */
    summary: string;
    description: string;
    runbookUrl: string;
    /** State when `expr` returns nothing; "OK" where no series simply means nothing to report. */
    noDataState: "NoData" | "Alerting" | "OK";
    execErrState: "Error" | "Alerting" | "OK";
}

export interface RuleGroupDefinition {
    name: string;
    folder: "alerts" | "slos";
    /** Evaluation interval, e.g. "1m". */
    interval: string;
    rules: AlertRuleDefinition[];
}

export interface AlertRuleInput {
    /** The stack's namespace: stack-health rules select its components by it. */
    namespace: string;
    /** Services with SLOs: burn-rate alerts each. */
    services: StackConfig["services"];
    /** The control plane is not scraped (stacks/cluster.ts says where), so its components cannot be alerted on. */
    managedControlPlane: boolean;
}

/** The alert rules' input for a stack's configuration: the one place it is derived. */
export function alertRuleInput(config: Pick<StackConfig, "namespace" | "services" | "cluster">): AlertRuleInput {
    return { namespace: config.namespace, services: config.services, managedControlPlane: !scrapesControlPlane(config.cluster) };
}

/** Every rule group the stack provisions; a group without rules is left out. */
export function alertRuleGroups(input: AlertRuleInput): RuleGroupDefinition[] {
    const groups: RuleGroupDefinition[] = [
        { name: "Service Health", folder: "alerts", interval: "1m", rules: serviceHealthRules(input) },
        { name: "Observability Stack", folder: "alerts", interval: "1m", rules: stackHealthRules(input) },
        ...sloRuleGroups(input.services),
    ];
    for (const group of groups) {
        for (const rule of group.rules) {
            if (durationSeconds(rule.for) % durationSeconds(group.interval) !== 0) {
                throw new Error(`${rule.uid}: "for" ${rule.for} is not a whole number of ${group.name}'s ${group.interval} evaluations`);
            }
        }
    }
    return groups.filter((group) => group.rules.length > 0);
}

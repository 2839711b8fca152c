// Cases of Prometheus' health rules (components/prometheus/healthRules.ts).
import { eventCases, type RuleCases } from "./cases";
import { gauge, series } from "./syntheticSeries";

export const PROMETHEUS_CASES: RuleCases = {
    "stack-target-down": () => [
        {
            name: "one of two targets down",
            series: [
                series("up", { namespace: "shop", job: "checkout", instance: "a" }, gauge([{ minutes: 20, value: 1 }])),
                series("up", { namespace: "shop", job: "checkout", instance: "b" }, gauge([{ minutes: 20, value: 0 }])),
            ],
            checks: [
                { at: "5m", firing: [] },
                { at: "15m", firing: [{ namespace: "shop", job: "checkout" }] },
            ],
        },
        {
            name: "one of twenty targets down",
            series: Array.from({ length: 20 }, (_, index) =>
                series("up", { namespace: "shop", job: "checkout", instance: `i${index}` }, gauge([{ minutes: 20, value: index === 0 ? 0 : 1 }])),
            ),
            checks: [{ at: "15m", firing: [] }],
        },
    ],
    "stack-rule-failures": ({ namespace }) =>
        eventCases(
            "prometheus_rule_evaluation_failures_total",
            { namespace, pod: "prometheus-prometheus-0", rule_group: "slo.rules;slo" },
            [{ namespace: "other", pod: "prometheus-0", rule_group: "slo.rules;slo" }],
            15,
        ),
};

// Cases of Loki's health rules (components/loki/healthRules.ts).
import { eventCases, type RuleCases, shareOf } from "./cases";

const pushes = (namespace: string) => ({ namespace, job: `${namespace}/loki`, route: "loki_api_v1_push" });

export const LOKI_CASES: RuleCases = {
    "stack-loki-request-errors": ({ namespace }) => {
        const loki = pushes(namespace);
        return [
            {
                name: "20% of pushes fail",
                series: shareOf("loki_request_duration_seconds_count", { ...loki, status_code: "204" }, { ...loki, status_code: "500" }, 20, 30),
                checks: [
                    { at: "15m", firing: [] },
                    { at: "20m", firing: [loki] },
                ],
            },
            {
                name: "5% of pushes fail",
                series: shareOf("loki_request_duration_seconds_count", { ...loki, status_code: "204" }, { ...loki, status_code: "500" }, 5, 30),
                checks: [{ at: "30m", firing: [] }],
            },
        ];
    },
    // Validation failures (line_too_long, ...) are the sender's problem, not a limit to raise.
    "stack-loki-rate-limited": ({ namespace }) =>
        eventCases(
            "loki_discarded_samples_total",
            { namespace, tenant: "fake", reason: "rate_limited" },
            [
                { namespace, tenant: "fake", reason: "line_too_long" },
                { namespace: "other", tenant: "fake", reason: "rate_limited" },
            ],
            15,
        ),
};

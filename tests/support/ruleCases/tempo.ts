// Cases of Tempo's health rules (components/tempo/healthRules.ts).
import { eventCases, type RuleCases } from "./cases";

export const TEMPO_CASES: RuleCases = {
    // Both names of the receiver's counter: with and without the `_total` an OpenTelemetry SDK exporter adds.
    "stack-tempo-spans-refused": ({ namespace }) => [
        ...eventCases("tempo_receiver_refused_spans", { namespace, job: `${namespace}/tempo` }, [{ namespace: "other", job: "other/tempo" }], 15),
        ...eventCases("tempo_receiver_refused_spans_total", { namespace, job: `${namespace}/tempo` }, [], 15),
    ],
    "stack-tempo-spans-discarded": ({ namespace }) =>
        eventCases("tempo_discarded_spans_total", { namespace, reason: "trace_too_large" }, [{ namespace: "other", reason: "rate_limited" }], 15),
};

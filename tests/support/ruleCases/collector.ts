// Cases of the collector's health rules (components/collector/healthRules.ts).
import { eventCases, type RuleCases } from "./cases";

const alloy = (namespace: string) => ({ namespace, pod: "alloy-0" });
const other = { namespace: "other", pod: "alloy-0" };

export const COLLECTOR_CASES: RuleCases = {
    "stack-collector-export-failures": ({ namespace }) => eventCases("otelcol_exporter_send_failed_spans_total", alloy(namespace), [other], 10),
    "stack-collector-refusing-spans": ({ namespace }) => eventCases("otelcol_receiver_refused_spans_total", alloy(namespace), [other], 10),
    "stack-collector-dropping-logs": ({ namespace }) =>
        eventCases("loki_write_dropped_entries_total", { ...alloy(namespace), reason: "ingester_error" }, [{ ...other, reason: "ingester_error" }], 10),
};

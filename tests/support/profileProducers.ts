// The producers behind the traces → profiles link, run for real (tools/profileproducers): otel-profiling-go around
// the OpenTelemetry SDK's tracer (a root span and a child span), and pyroscope-go's profiler uploading its CPU
// profile to a capture server in the same process. What they wrote comes back as data; nothing here builds it.
import { runGoCheck } from "../../scripts/lib/goTools";

export interface ProducedSpan {
    name: string;
    traceId: string;
    spanId: string;
    /** Empty for the local root. */
    parentSpanId: string;
    /** The attributes the span ended with, each value in its string form. */
    attributes: Record<string, string>;
    /** The resource's attributes (service.name, telemetry.sdk.*). */
    resource: Record<string, string>;
    /** The pprof labels otel-profiling-go put on the span's context and goroutine (runtime/pprof ForLabels). */
    goroutineLabels: Record<string, string>;
    /** The function of the program that burned CPU while this span was current ("main.checkoutWork"). */
    work: string;
}

export interface ValueType {
    type: string;
    unit: string;
}

export interface UploadedSample {
    values: number[];
    /** The sample's string labels in the pprof. */
    labels: Record<string, string>;
    /** Functions of the program's package main on the sample's stack, leaf first. */
    functions: string[];
}

export interface Upload {
    method: string;
    path: string;
    /** The query string, one value per parameter. */
    query: Record<string, string>;
    /** The `name` parameter as Pyroscope's labelset.Parse reads it (github.com/grafana/pyroscope/api model/labelset). */
    name: { serviceName: string; labels: Record<string, string> };
    /** The multipart `sample_type_config` part, when the SDK sent one. */
    sampleTypeConfig: Record<string, { "display-name"?: string }> | null;
    profile: { sampleTypes: ValueType[]; periodType: ValueType | null; period: number; samples: UploadedSample[] };
}

export interface ProducerReport {
    /** Module path → version built into the tool. */
    modules: Record<string, string>;
    /** In start order: the local root first. */
    spans: ProducedSpan[];
    uploads: Upload[];
}

const reports = new Map<string, ProducerReport>();

/** Runs both producers once per application name and process (about two seconds, most of it burning CPU for samples). */
export function runProfileProducers(app: string): ProducerReport {
    let report = reports.get(app);
    if (!report) {
        report = runGoCheck<ProducerReport>("profileproducers", ["-app", app]);
        reports.set(app, report);
    }
    return report;
}

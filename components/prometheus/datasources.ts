// The Prometheus and Alertmanager datasources Grafana gets (assembled in components/grafana/datasources.ts).
import * as pulumi from "@pulumi/pulumi";
import type { DatasourceDefinition, DatasourceInputs } from "../grafana/datasources";
import { DATASOURCE_UIDS } from "../grafana/uids";

/** Where an exemplar's trace id links: `ExemplarTraceIdDestination`, packages/grafana-prometheus/src/types.ts. */
interface ExemplarTraceIdDestination {
    name: string;
    datasourceUid: string;
    urlDisplayLabel?: string;
}

/** `PromOptions`, packages/grafana-prometheus/src/types.ts. */
interface PrometheusJsonData {
    httpMethod: "POST" | "GET";
    /** The scrape interval: the smallest step Grafana asks for, and the base of `$__rate_interval`. */
    timeInterval: string;
    prometheusType: "Prometheus";
    exemplarTraceIdDestinations: ExemplarTraceIdDestination[];
}

/** `AlertManagerDataSourceJsonData`, public/app/plugins/datasource/alertmanager/types.ts. */
interface AlertmanagerJsonData {
    implementation: "prometheus" | "mimir" | "cortex";
    /** Grafana-managed alerts go to Grafana's own Alertmanager; this one only shows Prometheus' alerts. */
    handleGrafanaManagedAlerts: boolean;
}

/** Exemplar labels that carry a trace id, per producer (see the Prometheus datasource below). */
export const EXEMPLAR_TRACE_ID_LABELS = ["trace_id", "traceID"] as const;

export function prometheusDatasources(inputs: DatasourceInputs): DatasourceDefinition[] {
    const { tempo } = DATASOURCE_UIDS;
    return [
        {
            key: "prometheus",
            name: "Prometheus",
            type: "prometheus",
            url: inputs.prometheusUrl,
            isDefault: true,
            jsonData: {
                httpMethod: "POST",
                timeInterval: inputs.scrapeInterval,
                prometheusType: "Prometheus",
                // The exemplar label each producer in the stack writes the trace id under: OpenTelemetry SDKs'
                // Prometheus exporters "trace_id" (opentelemetry-go exporters/prometheus: traceIDExemplarKey), Tempo's
                // metrics generator "traceID" (grafana/tempo modules/overrides/config.go: TraceIDLabelName default).
                exemplarTraceIdDestinations: EXEMPLAR_TRACE_ID_LABELS.map((name) => ({ name, datasourceUid: tempo, urlDisplayLabel: "View trace" })),
            } satisfies PrometheusJsonData,
        },
        ...(inputs.alertmanagerEnabled
            ? [
                  {
                      key: "alertmanager",
                      name: "Alertmanager",
                      type: "alertmanager",
                      isDefault: false,
                      url: pulumi.output(inputs.alertmanagerUrl).apply((url) => {
                          if (!url) throw new Error("Alertmanager is enabled but its URL is empty");
                          return url;
                      }),
                      jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false } satisfies AlertmanagerJsonData,
                  } satisfies DatasourceDefinition,
              ]
            : []),
    ];
}

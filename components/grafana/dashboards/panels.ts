// Small builders shared by the dashboards: datasource references by fixed UID, queries, and the few
// panel shapes the dashboards use. Everything is Grafana's own foundation SDK underneath.
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as pyroscope from "@grafana/grafana-foundation-sdk/grafanapyroscope";
import * as logs from "@grafana/grafana-foundation-sdk/logs";
import * as loki from "@grafana/grafana-foundation-sdk/loki";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as tempo from "@grafana/grafana-foundation-sdk/tempo";
import * as text from "@grafana/grafana-foundation-sdk/text";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { DATASOURCE_UIDS } from "../uids";

export const PROMETHEUS: common.DataSourceRef = { type: "prometheus", uid: DATASOURCE_UIDS.prometheus };
export const LOKI: common.DataSourceRef = { type: "loki", uid: DATASOURCE_UIDS.loki };
export const TEMPO: common.DataSourceRef = { type: "tempo", uid: DATASOURCE_UIDS.tempo };
export const PYROSCOPE: common.DataSourceRef = { type: "grafana-pyroscope-datasource", uid: DATASOURCE_UIDS.pyroscope };

/** Panel widths on Grafana's 24-column grid. */
export const WIDTH = { full: 24, half: 12, third: 8, quarter: 6 } as const;

export type Step = [value: number | null, color: string];

/** Absolute thresholds; the first step (value null) is the base colour. */
export function thresholds(steps: Step[]): dashboard.ThresholdsConfigBuilder {
    return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps.map(([value, color]) => ({ value, color })));
}

export interface PromQueryOptions {
    legend?: string;
    /** Fetch exemplars too: each links to its trace in Tempo. */
    exemplar?: boolean;
    instant?: boolean;
}

export function promQuery(expr: string, options: PromQueryOptions = {}): prometheus.DataqueryBuilder {
    const query = new prometheus.DataqueryBuilder()
        .datasource(PROMETHEUS)
        .editorMode(prometheus.QueryEditorMode.Code)
        .expr(expr)
        .legendFormat(options.legend ?? "__auto");
    if (options.exemplar) query.exemplar(true);
    if (options.instant) query.instant();
    else query.range();
    return query;
}

export function logQuery(expr: string): loki.DataqueryBuilder {
    return new loki.DataqueryBuilder().datasource(LOKI).editorMode(loki.QueryEditorMode.Code).queryType("range").expr(expr);
}

export function traceQuery(query: string, limit = 20): tempo.DataqueryBuilder {
    return new tempo.DataqueryBuilder().datasource(TEMPO).queryType("traceql").query(query).tableType(tempo.SearchTableType.Traces).limit(limit);
}

/** A Pyroscope query for the merged profile (queryType "profile", what a flame graph shows) of the series `labelSelector` selects. */
export function profileQuery(labelSelector: string, profileTypeId: string): pyroscope.DataqueryBuilder {
    return new pyroscope.DataqueryBuilder()
        .datasource(PYROSCOPE)
        .queryType(pyroscope.PyroscopeQueryType.Profile)
        .labelSelector(labelSelector)
        .profileTypeId(profileTypeId)
        .groupBy([]);
}

const legend = () =>
    new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).calcs([]);
const tooltip = () => new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending);

export interface TimeSeriesOptions {
    width?: number;
    height?: number;
    min?: number;
    max?: number;
    /** Stack the series (shares of a whole, such as requests by status). */
    stacked?: boolean;
    /** Draw these thresholds as dashed lines (burn-rate alert levels, for instance). */
    thresholdLines?: Step[];
    description?: string;
}

export function timeSeries(title: string, unit: string, queries: prometheus.DataqueryBuilder[], options: TimeSeriesOptions = {}): timeseries.PanelBuilder {
    const panel = new timeseries.PanelBuilder()
        .title(title)
        .datasource(PROMETHEUS)
        .targets(queries)
        .unit(unit)
        .lineWidth(1)
        .fillOpacity(10)
        .showPoints(common.VisibilityMode.Never)
        .legend(legend())
        .tooltip(tooltip())
        .span(options.width ?? WIDTH.half)
        .height(options.height ?? 8);
    if (options.description) panel.description(options.description);
    if (options.min !== undefined) panel.min(options.min);
    if (options.max !== undefined) panel.max(options.max);
    if (options.stacked) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
    if (options.thresholdLines) {
        panel
            .thresholds(thresholds(options.thresholdLines))
            .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
    }
    return panel;
}

export interface StatOptions {
    width?: number;
    height?: number;
    steps?: Step[];
    decimals?: number;
    description?: string;
}

export function statPanel(title: string, unit: string, query: prometheus.DataqueryBuilder, options: StatOptions = {}): stat.PanelBuilder {
    const panel = new stat.PanelBuilder()
        .title(title)
        .datasource(PROMETHEUS)
        .targets([query])
        .unit(unit)
        .colorMode(common.BigValueColorMode.Value)
        .graphMode(common.BigValueGraphMode.Area)
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
        .thresholds(thresholds(options.steps ?? [[null, "green"]]))
        .span(options.width ?? WIDTH.quarter)
        .height(options.height ?? 4);
    if (options.decimals !== undefined) panel.decimals(options.decimals);
    if (options.description) panel.description(options.description);
    return panel;
}

export function logsPanel(title: string, expr: string, width: number = WIDTH.full, height = 10): logs.PanelBuilder {
    return new logs.PanelBuilder()
        .title(title)
        .datasource(LOKI)
        .targets([logQuery(expr)])
        .showTime(true)
        .showLabels(false)
        .wrapLogMessage(true)
        .enableLogDetails(true)
        .sortOrder(common.LogsSortOrder.Descending)
        .span(width)
        .height(height);
}

export function tracesPanel(title: string, query: string, width: number = WIDTH.full, height = 8): table.PanelBuilder {
    return new table.PanelBuilder()
        .title(title)
        .datasource(TEMPO)
        .targets([traceQuery(query)])
        .span(width)
        .height(height);
}

/**
 * Grafana's flame graph panel (plugin "flamegraph", no options) over one profile query. The foundation SDK has no
 * builder of its own for this panel type, so it is the generic panel builder with the type set.
 */
export function flameGraphPanel(
    title: string,
    query: pyroscope.DataqueryBuilder,
    description: string,
    width: number = WIDTH.full,
    height = 12,
): dashboard.PanelBuilder {
    return new dashboard.PanelBuilder()
        .type("flamegraph")
        .title(title)
        .description(description)
        .datasource(PYROSCOPE)
        .targets([query])
        .span(width)
        .height(height);
}

export function textPanel(title: string, markdown: string, width: number = WIDTH.full, height = 3): text.PanelBuilder {
    return new text.PanelBuilder().title(title).mode(text.TextMode.Markdown).content(markdown).span(width).height(height);
}

export function row(title: string): dashboard.RowBuilder {
    return new dashboard.RowBuilder(title);
}

/** A Prometheus query variable over `label_values(selector, label)`. */
export function labelValuesVariable(name: string, label: string, selector: string, labelText: string): dashboard.QueryVariableBuilder {
    const query = `label_values(${selector}, ${label})`;
    return new dashboard.QueryVariableBuilder(name)
        .label(labelText)
        .datasource(PROMETHEUS)
        .query(query)
        .definition(query)
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        .multi(false)
        .includeAll(false);
}

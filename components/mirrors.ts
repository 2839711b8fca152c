// Charts and images from a mirror (config `charts.repository`, `images.registry`), for clusters that cannot
// reach the public registries: applied to every Helm release of the stack by one transformation, so the
// components keep naming upstream charts and images and a mirror changes nothing else.
import * as pulumi from "@pulumi/pulumi";
import { type ChartKey, pinnedChartKey } from "./charts";
import { mergeValues } from "./chartValues";
import { chartLocation, HELM_RELEASE_TYPE } from "./helm";

export interface Mirrors {
    /** One Helm repository (http/https) or OCI registry (oci://) holding every pinned chart. */
    chartRepository?: string;
    /** Registry host (and optional path) that replaces the registry of every image. */
    imageRegistry?: string;
}

/**
 * The values that put every image a chart renders on `registry`. Each chart's own global registry key comes
 * first; the rest are images those keys do not reach (tests/engines/mirrors.test.ts renders every stack with a mirror
 * and checks every image reference the charts render).
 */
export function imageRegistryValues(chart: ChartKey, registry: string): Record<string, unknown> {
    switch (chart) {
        case "kubePrometheusStack":
            return { global: { imageRegistry: registry } };
        case "grafana":
            return { global: { imageRegistry: registry } };
        case "loki":
            return { global: { imageRegistry: registry, image: { registry } } };
        case "tempo":
            return { global: { imageRegistry: registry } };
        case "tempoDistributed":
            return { global: { image: { registry } } };
        case "alloy":
            return { global: { image: { registry } } };
        case "pyroscope":
            return { global: { imageRegistry: registry } };
    }
}

/** The transformation that points every Helm release of a component tree at the mirrors; undefined without any. */
export function mirrorTransformation(mirrors: Mirrors): pulumi.ResourceTransformation | undefined {
    const { chartRepository, imageRegistry } = mirrors;
    if (!chartRepository && !imageRegistry) return undefined;
    return (args) => {
        if (args.type !== HELM_RELEASE_TYPE) return undefined;
        const key = pinnedChartKey(args.props.chart, args.props.version);
        const props: Record<string, any> = { ...args.props };
        if (chartRepository) {
            const location = chartLocation(key, chartRepository);
            props.chart = location.chart;
            props.repositoryOpts = location.repositoryOpts;
        }
        if (imageRegistry) {
            props.values = pulumi
                .output(args.props.values ?? {})
                .apply((values: Record<string, unknown>) => mergeValues(values, imageRegistryValues(key, imageRegistry)) as Record<string, unknown>);
        }
        return { props, opts: args.opts };
    };
}

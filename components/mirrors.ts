// Charts and images from a mirror (config `charts.repository`, `images.registry`), for clusters that cannot
// reach the public registries: applied to every Helm release of the stack by one transformation, so the
// components keep naming upstream charts and images and a mirror changes nothing else.
import * as pulumi from "@pulumi/pulumi";
import { CHARTS, type ChartKey } from "./charts";

export interface Mirrors {
    /** One Helm repository (http/https) or OCI registry (oci://) holding every pinned chart. */
    chartRepository?: string;
    /** Registry host (and optional path) that replaces the registry of every image. */
    imageRegistry?: string;
}

export const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

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
    }
}

/** Where a release fetches its chart: the pinned upstream repository, or the mirror. */
export function chartLocation(chart: ChartKey, repository?: string): { chart: string; repositoryOpts?: { repo: string } } {
    const pin = CHARTS[chart];
    if (!repository) return { chart: pin.chart, repositoryOpts: { repo: pin.repo } };
    if (repository.startsWith("oci://")) return { chart: `${repository}/${pin.chart}` };
    return { chart: pin.chart, repositoryOpts: { repo: repository } };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** `extra` merged into `base` key by key (objects merge, everything else is replaced). */
export function mergeValues(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(extra)) {
        merged[key] = isObject(value) && isObject(merged[key]) ? mergeValues(merged[key] as Record<string, unknown>, value) : value;
    }
    return merged;
}

function chartKeyOf(chart: unknown, version: unknown): ChartKey {
    const key = (Object.keys(CHARTS) as ChartKey[]).find((k) => CHARTS[k].chart === chart && CHARTS[k].version === version);
    if (!key) throw new Error(`a Helm release installs ${String(chart)} ${String(version)}, which components/charts.ts does not pin`);
    return key;
}

/** The transformation that points every Helm release of a component tree at the mirrors; undefined without any. */
export function mirrorTransformation(mirrors: Mirrors): pulumi.ResourceTransformation | undefined {
    const { chartRepository, imageRegistry } = mirrors;
    if (!chartRepository && !imageRegistry) return undefined;
    return (args) => {
        if (args.type !== HELM_RELEASE_TYPE) return undefined;
        const key = chartKeyOf(args.props.chart, args.props.version);
        const props: Record<string, any> = { ...args.props };
        if (chartRepository) {
            const location = chartLocation(key, chartRepository);
            props.chart = location.chart;
            props.repositoryOpts = location.repositoryOpts;
        }
        if (imageRegistry) {
            props.values = pulumi
                .output(args.props.values ?? {})
                .apply((values: Record<string, unknown>) => mergeValues(values, imageRegistryValues(key, imageRegistry)));
        }
        return { props, opts: args.opts };
    };
}

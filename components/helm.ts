// The one way the program installs a chart, so every release gets the same safety settings.
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { CHARTS, type ChartKey } from "./charts";

export interface ChartReleaseArgs {
    /** Which pinned chart to install. */
    chart: ChartKey;
    /** Helm release name; explicit so service names (and URLs) are stable. */
    releaseName: string;
    namespace: pulumi.Input<string>;
    /** Chart values; every key must exist in the chart's upstream defaults (tests enforce it). */
    values: pulumi.Input<Record<string, unknown>>;
}

/** The Pulumi type of `k8s.helm.v3.Release`: what the renders read and the mirror transformation rewrites. */
export const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** Where a release fetches its chart: the pinned upstream repository, or a mirror (`charts.repository`). */
export function chartLocation(chart: ChartKey, repository?: string): { chart: string; repositoryOpts?: { repo: string } } {
    const pin = CHARTS[chart];
    if (!repository) return { chart: pin.chart, repositoryOpts: { repo: pin.repo } };
    if (repository.startsWith("oci://")) return { chart: `${repository}/${pin.chart}` };
    return { chart: pin.chart, repositoryOpts: { repo: repository } };
}

/** Release history kept by Helm: enough to roll back, bounded so the Secrets do not pile up. */
export const MAX_HISTORY = 5;

export function chartRelease(name: string, args: ChartReleaseArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    const pin = CHARTS[args.chart];
    const location = chartLocation(args.chart);
    return new k8s.helm.v3.Release(
        name,
        {
            name: args.releaseName,
            chart: location.chart,
            version: pin.version,
            repositoryOpts: location.repositoryOpts,
            namespace: args.namespace,
            createNamespace: false,
            // A failed install or upgrade rolls back instead of leaving a half-updated stack behind.
            atomic: true,
            cleanupOnFail: true,
            timeout: pin.timeoutSeconds,
            maxHistory: MAX_HISTORY,
            values: args.values,
        },
        opts,
    );
}

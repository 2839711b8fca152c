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

/** Release history kept by Helm: enough to roll back, bounded so the Secrets do not pile up. */
export const MAX_HISTORY = 5;

export function chartRelease(name: string, args: ChartReleaseArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    const pin = CHARTS[args.chart];
    return new k8s.helm.v3.Release(
        name,
        {
            name: args.releaseName,
            chart: pin.chart,
            version: pin.version,
            repositoryOpts: { repo: pin.repo },
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

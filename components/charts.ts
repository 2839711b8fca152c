// Every chart the program installs, pinned in one place. Upgrading a chart is a one-line change here;
// tests then check every value the program sets against that version's upstream defaults in
// ../shared/charts/<chart>/<version>/ (see tests/engines/chart-keys.test.ts).

export interface ChartPin {
    /** Chart name in its repository. */
    readonly chart: string;
    /** Exact version: never a range, so a preview shows every upgrade. */
    readonly version: string;
    /** Helm repository (https). */
    readonly repo: string;
    /** How long Helm waits for the release's workloads to become ready before rolling back. */
    readonly timeoutSeconds: number;
}

export const CHARTS = {
    grafana: { chart: "grafana", version: "12.11.1", repo: "https://grafana-community.github.io/helm-charts", timeoutSeconds: 600 },
    kubePrometheusStack: { chart: "kube-prometheus-stack", version: "88.5.3", repo: "https://prometheus-community.github.io/helm-charts", timeoutSeconds: 900 },
    loki: { chart: "loki", version: "18.11.0", repo: "https://grafana-community.github.io/helm-charts", timeoutSeconds: 900 },
    tempo: { chart: "tempo", version: "2.2.4", repo: "https://grafana-community.github.io/helm-charts", timeoutSeconds: 600 },
    tempoDistributed: { chart: "tempo-distributed", version: "3.3.0", repo: "https://grafana-community.github.io/helm-charts", timeoutSeconds: 900 },
    alloy: { chart: "alloy", version: "1.11.1", repo: "https://grafana.github.io/helm-charts", timeoutSeconds: 300 },
    pyroscope: { chart: "pyroscope", version: "2.2.1", repo: "https://grafana.github.io/helm-charts", timeoutSeconds: 900 },
} as const satisfies Record<string, ChartPin>;

export type ChartKey = keyof typeof CHARTS;

/** The pin a release's chart name and version come from; throws for a chart this file does not pin. */
export function pinnedChartKey(chart: unknown, version: unknown): ChartKey {
    const key = (Object.keys(CHARTS) as ChartKey[]).find((k) => CHARTS[k].chart === chart && CHARTS[k].version === version);
    if (!key) throw new Error(`${String(chart)} ${String(version)} is not a chart components/charts.ts pins`);
    return key;
}

/**
 * The Kubernetes minor versions the stack supports. Charts are rendered with `--kube-version` of the oldest,
 * and manifests validated against the API of the oldest and the newest (tests/engines/kubernetes-schemas.test.ts).
 */
export const SUPPORTED_KUBERNETES = { oldest: "1.34.0", newest: "1.37.0" } as const;

// The Pyroscope datasource Grafana gets (assembled in components/grafana/datasources.ts); traces link to it from
// the Tempo datasource (components/tempo/datasources.ts, tracesToProfiles).
import type { DatasourceDefinition, DatasourceInputs } from "../grafana/datasources";

/** `PhlareDataSourceOptions` (public/app/plugins/datasource/grafana-pyroscope-datasource/types.ts). */
interface PyroscopeJsonData {
    /** The smallest step of its time series: the collector's scrape interval, below which points would be empty. */
    minStep: string;
}

/** pyroscope.scrape's default `scrape_interval` (Alloy's pyroscope.scrape reference), which the collector keeps. */
export const PROFILE_SCRAPE_INTERVAL = "15s";

export function pyroscopeDatasources(inputs: DatasourceInputs): DatasourceDefinition[] {
    return [
        {
            key: "pyroscope",
            name: "Pyroscope",
            type: "grafana-pyroscope-datasource",
            url: inputs.pyroscopeUrl,
            isDefault: false,
            jsonData: { minStep: PROFILE_SCRAPE_INTERVAL } satisfies PyroscopeJsonData,
        },
    ];
}

// The registry: the backends the stack installs, one line each. The config schema, the presets, the
// loader's checks, the network policies and the policy pack assemble what each contributes; a new
// backend is a folder under components/ and a line here.
import { COLLECTOR_SETTINGS } from "./collector/settings";
import { GRAFANA_SETTINGS } from "./grafana/settings";
import { LOKI_SETTINGS } from "./loki/settings";
import { PROMETHEUS_SETTINGS } from "./prometheus/settings";
import { TEMPO_SETTINGS } from "./tempo/settings";

/** Each backend's configuration: `observability:<key>`, in the order the schema and the presets list them. */
export const BACKEND_SETTINGS = {
    grafana: GRAFANA_SETTINGS,
    prometheus: PROMETHEUS_SETTINGS,
    loki: LOKI_SETTINGS,
    tempo: TEMPO_SETTINGS,
    collector: COLLECTOR_SETTINGS,
} as const;
export type BackendKey = keyof typeof BACKEND_SETTINGS;
export const BACKEND_KEYS = Object.keys(BACKEND_SETTINGS) as BackendKey[];

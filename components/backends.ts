// The registry: the backends the stack installs, one line each. The config schema, the presets and the
// loader's checks (stacks/), the NetworkPolicies, Grafana's datasources and the policy pack assemble what each contributes; a new backend is a
// folder under components/ and a line here.
import { COLLECTOR_FLOWS } from "./collector/flows";
import { collectorHealthRules } from "./collector/healthRules";
import { COLLECTOR_SETTINGS } from "./collector/settings";
import { GRAFANA_FLOWS } from "./grafana/flows";
import { grafanaHealthRules } from "./grafana/healthRules";
import { GRAFANA_SETTINGS } from "./grafana/settings";
import { lokiDatasources } from "./loki/datasources";
import { LOKI_FLOWS } from "./loki/flows";
import { lokiHealthRules } from "./loki/healthRules";
import { LOKI_OBJECT_STORAGE_POLICY } from "./loki/policy";
import { LOKI_SETTINGS } from "./loki/settings";
import { prometheusDatasources } from "./prometheus/datasources";
import { PROMETHEUS_FLOWS } from "./prometheus/flows";
import { prometheusHealthRules } from "./prometheus/healthRules";
import { PROMETHEUS_SETTINGS } from "./prometheus/settings";
import { pyroscopeDatasources } from "./pyroscope/datasources";
import { PYROSCOPE_FLOWS } from "./pyroscope/flows";
import { pyroscopeHealthRules } from "./pyroscope/healthRules";
import { PYROSCOPE_OBJECT_STORAGE_POLICY } from "./pyroscope/policy";
import { PYROSCOPE_SETTINGS } from "./pyroscope/settings";
import { tempoDatasources } from "./tempo/datasources";
import { TEMPO_FLOWS } from "./tempo/flows";
import { tempoHealthRules } from "./tempo/healthRules";
import { TEMPO_OBJECT_STORAGE_POLICY } from "./tempo/policy";
import { TEMPO_SETTINGS } from "./tempo/settings";

/**
 * Each backend under its config key (`observability:<key>`), in the order everything assembled lists them:
 * - settings: its section of the config, its presets and its checks (settings.ts);
 * - flows: its pods and the connections they accept (flows.ts);
 * - datasources: what Grafana gets for it, linked to the others (datasources.ts);
 * - objectStoragePolicy: how the policy pack tells that its release keeps data in object storage (policy.ts);
 * - healthRules: the alert rules on its own health (healthRules.ts).
 */
export const BACKENDS = {
    grafana: { settings: GRAFANA_SETTINGS, flows: GRAFANA_FLOWS, healthRules: grafanaHealthRules },
    prometheus: { settings: PROMETHEUS_SETTINGS, flows: PROMETHEUS_FLOWS, datasources: prometheusDatasources, healthRules: prometheusHealthRules },
    loki: {
        settings: LOKI_SETTINGS,
        flows: LOKI_FLOWS,
        datasources: lokiDatasources,
        objectStoragePolicy: LOKI_OBJECT_STORAGE_POLICY,
        healthRules: lokiHealthRules,
    },
    tempo: {
        settings: TEMPO_SETTINGS,
        flows: TEMPO_FLOWS,
        datasources: tempoDatasources,
        objectStoragePolicy: TEMPO_OBJECT_STORAGE_POLICY,
        healthRules: tempoHealthRules,
    },
    pyroscope: {
        settings: PYROSCOPE_SETTINGS,
        flows: PYROSCOPE_FLOWS,
        datasources: pyroscopeDatasources,
        objectStoragePolicy: PYROSCOPE_OBJECT_STORAGE_POLICY,
        healthRules: pyroscopeHealthRules,
    },
    collector: { settings: COLLECTOR_SETTINGS, flows: COLLECTOR_FLOWS, healthRules: collectorHealthRules },
} as const;
export type BackendKey = keyof typeof BACKENDS;
export const BACKEND_KEYS = Object.keys(BACKENDS) as BackendKey[];

// A whole Alertmanager configuration file loaded by the Alertmanager release kube-prometheus-stack deploys
// (tools/alertmanagerconfig: v0.34.0's config.Load, then dispatch.NewRoute and Route.Match).
import { runGoCheck } from "../../scripts/lib/goTools";

export interface LoadedReceiver {
    name: string;
    /** Integrations by kind ("slack", "email", "pagerduty", ...): a receiver without any notifies nobody. */
    integrations: Record<string, number>;
    /** Files the integrations read their secrets from, after Alertmanager resolved the globals into each. */
    secretFiles: string[];
    targets: string[];
}

export interface AlertmanagerRouteMatch {
    id: string;
    receiver: string;
    groupBy: string[];
    groupWait: string;
    repeatInterval: string;
    muteTimeIntervals: string[];
}

export interface LoadedAlertmanagerConfig {
    receivers: LoadedReceiver[];
    timeIntervals: string[];
    inhibitRules: number;
    templates: string[];
    /** Per label set, in order: the routes Alertmanager delivers it to. */
    matches: AlertmanagerRouteMatch[][];
}

/** Loads `config` (alertmanager.yaml) and routes `labelSets`; throws with Alertmanager's message if it refuses the file. */
export function loadAlertmanagerConfig(config: string, labelSets: Record<string, string>[] = []): LoadedAlertmanagerConfig {
    const out: {
        error?: string;
        receivers: LoadedReceiver[];
        timeIntervals: string[];
        inhibitRules: number;
        templates: string[];
        matches: { routes: AlertmanagerRouteMatch[] }[];
    } = runGoCheck("alertmanagerconfig", ["-"], JSON.stringify({ config, labelSets }));
    if (out.error) throw new Error(`Alertmanager refuses the configuration: ${out.error}`);
    return { ...out, matches: out.matches.map((match) => match.routes) };
}

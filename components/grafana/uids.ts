// Fixed UIDs of everything the program creates in Grafana: links between datasources, dashboard
// panels and alert rules refer to these, so they never change once deployed.

export const DATASOURCE_UIDS = {
    prometheus: "prometheus",
    loki: "loki",
    tempo: "tempo",
    alertmanager: "alertmanager",
} as const;

export const FOLDER_UIDS = {
    services: "services",
    stack: "observability-stack",
    kubernetes: "kubernetes",
    alerts: "alerts",
    slos: "slos",
} as const;

import { createHash } from "crypto";

// Fixed UIDs of everything the program creates in Grafana: links between datasources, dashboard
// panels and alert rules refer to these, so they never change once deployed.

export const DATASOURCE_UIDS = {
    prometheus: "prometheus",
    loki: "loki",
    tempo: "tempo",
    alertmanager: "alertmanager",
    pyroscope: "pyroscope",
} as const;

export const FOLDER_UIDS = {
    services: "services",
    stack: "observability-stack",
    kubernetes: "kubernetes",
    alerts: "alerts",
    slos: "slos",
    kubePrometheusStack: "kube-prometheus-stack",
} as const;

export const DASHBOARD_UIDS = {
    serviceOverview: "service-overview",
    stackHealth: "observability-stack-health",
    kubernetes: "kubernetes-overview",
} as const;

/**
 * The shared SLO dashboard. Not starting with "slo-", it can never equal a service's own dashboard UID
 * (slo-<namespace>-<name>), and it is not the SLOs folder's UID (folders and dashboards share UIDs in Grafana).
 */
export const SLO_DASHBOARD_UID = "service-slos";

/** Grafana refuses dashboard UIDs longer than 40 characters. */
const MAX_UID_LENGTH = 40;

/**
 * UID of a service's SLO dashboard: readable when it fits, else a stable hash of namespace and name
 * (two long names must never collide or change between runs).
 */
export function sloDashboardUid(service: { namespace: string; name: string }): string {
    const readable = `slo-${service.namespace}-${service.name}`;
    if (readable.length <= MAX_UID_LENGTH) return readable;
    return `slo-${createHash("sha256")
        .update(`${service.namespace}/${service.name}`)
        .digest("hex")
        .slice(0, MAX_UID_LENGTH - 4)}`;
}

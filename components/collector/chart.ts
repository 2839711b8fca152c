// What the collector's two releases of the alloy chart (the collector and the eBPF profiler) share.
import type { Resources } from "../../stacks/schema";

/** The chart's config reloader container, which watches the ConfigMap and tells Alloy to reload it. */
const CONFIG_RELOADER_RESOURCES: Resources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } };

/**
 * The alloy chart's values both releases end with: the config reloader, a ClusterIP Service Prometheus scrapes, no
 * Ingress, and no NetworkPolicy of the chart's: who may reach Alloy is decided with every other flow in
 * components/NetworkPolicies.ts, and the chart's own policy would add a second, wider rule (policies only ever add up).
 */
export const SHARED_RELEASE_VALUES = {
    configReloader: { enabled: true, resources: CONFIG_RELOADER_RESOURCES },
    service: { enabled: true, type: "ClusterIP" },
    serviceMonitor: { enabled: true },
    networkPolicy: { enabled: false },
    ingress: { enabled: false },
};

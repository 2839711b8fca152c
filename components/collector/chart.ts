// What the collector's two releases of the alloy chart (the collector and the eBPF profiler) share.
import type { Resources } from "../../stacks/schema";

/** The chart's config reloader container, which watches the ConfigMap and tells Alloy to reload it. */
export const CONFIG_RELOADER_RESOURCES: Resources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } };

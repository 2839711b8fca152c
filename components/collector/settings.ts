// The collector's section of the configuration (`observability:collector`): its schema and its value in each preset.
import { z } from "zod";
import { type BackendSettings, k8sName, resources, section, size } from "../../stacks/fields";

export const collectorSettings = section({
    resources,
    /** Namespaces whose pods may send OTLP to the collector. */
    applicationNamespaces: z.array(k8sName),
});
export type CollectorSettings = z.infer<typeof collectorSettings>;

const dev: z.input<typeof collectorSettings> = { resources: size("100m", "192Mi", "500m", "512Mi"), applicationNamespaces: ["default"] };
const staging: z.input<typeof collectorSettings> = { ...dev, resources: size("150m", "256Mi", "1", "1Gi") };
const production: z.input<typeof collectorSettings> = { ...staging, resources: size("250m", "512Mi", "2", "2Gi") };

export const COLLECTOR_SETTINGS = {
    description: "Grafana Alloy's resources, and the namespaces whose pods may send OTLP to it.",
    schema: collectorSettings,
    presets: { dev, staging, production },
} satisfies BackendSettings<typeof collectorSettings>;

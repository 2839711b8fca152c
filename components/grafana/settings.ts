// Grafana's section of the configuration (`observability:grafana`): its schema, its value in each preset,
// and the checks across its keys and secrets.
import { z } from "zod";
import { type BackendSettings, bool, bytes, email, hostname, positiveInt, resources, section, size, url } from "../../stacks/fields";

export const grafanaSettings = section({
    replicas: positiveInt(),
    adminUser: z.string().min(1),
    /** External hostname; when set, an ingress with TLS is created and it becomes the public URL. */
    host: hostname.optional(),
    /** URL the Grafana provider calls (a tunnel or port-forward); defaults to the public URL. */
    apiUrl: url.optional(),
    resources,
    persistence: section({ enabled: bool, size: bytes }),
    /** External PostgreSQL, required for more than one replica (SQLite cannot be shared). */
    database: section({
        host: z.string().regex(/^[A-Za-z0-9.-]+(:\d+)?$/, 'expected "host" or "host:port"'),
        name: z.string().min(1),
        user: z.string().min(1),
        sslMode: z.enum(["disable", "require", "verify-ca", "verify-full"], { error: "expected one of: disable, require, verify-ca, verify-full" }),
    }).optional(),
    autoscaling: section({
        enabled: bool,
        maxReplicas: positiveInt(),
        targetCpuPercent: positiveInt("a CPU utilisation percentage ≥ 1"),
        targetMemoryPercent: positiveInt("a memory utilisation percentage ≥ 1"),
    }),
    /** SMTP relay for email notifications; the password comes from secret config smtpPassword. */
    smtp: section({ host: z.string().regex(/^[A-Za-z0-9.-]+:\d+$/, 'expected "host:port"'), fromAddress: email, user: z.string().min(1) }).optional(),
});
export type GrafanaSettings = z.infer<typeof grafanaSettings>;

const dev: z.input<typeof grafanaSettings> = {
    replicas: 1,
    adminUser: "admin",
    // The provider reaches a local cluster through `kubectl port-forward` (npm run up:dev starts it).
    apiUrl: "http://localhost:3000",
    resources: size("100m", "192Mi", "500m", "512Mi"),
    persistence: { enabled: true, size: "1Gi" },
    autoscaling: { enabled: false, maxReplicas: 1, targetCpuPercent: 70, targetMemoryPercent: 80 },
};
const staging: z.input<typeof grafanaSettings> = {
    ...dev,
    apiUrl: undefined,
    resources: size("200m", "256Mi", "1", "1Gi"),
    persistence: { enabled: true, size: "5Gi" },
};
const production: z.input<typeof grafanaSettings> = {
    ...staging,
    replicas: 2,
    resources: size("250m", "512Mi", "1", "1Gi"),
    // With an external database the volume only holds plugins and the image cache.
    persistence: { enabled: false, size: "5Gi" },
    autoscaling: { enabled: true, maxReplicas: 6, targetCpuPercent: 70, targetMemoryPercent: 80 },
};

export const GRAFANA_SETTINGS = {
    description:
        "Replicas (more than one needs `database`), admin user, public `host` (ingress + TLS), `apiUrl` the provider calls, resources, persistence, external PostgreSQL `database`, autoscaling, SMTP relay.",
    schema: grafanaSettings,
    presets: { dev, staging, production },
    check: (grafana, { secrets }, add) => {
        const haGrafana = grafana.replicas > 1 || grafana.autoscaling.enabled;
        if (haGrafana && !grafana.database) {
            add(
                ["grafana", "database"],
                undefined,
                `${grafana.replicas} replicas${grafana.autoscaling.enabled ? " with autoscaling" : ""} cannot share SQLite; expected an external PostgreSQL {host, name, user, sslMode}`,
            );
        }
        if (grafana.database && !secrets.grafanaDatabasePassword) {
            add(["grafanaDatabasePassword"], undefined, "the database password is missing; run: pulumi config set --secret grafanaDatabasePassword <password>");
        }
        if (grafana.autoscaling.enabled && grafana.autoscaling.maxReplicas < grafana.replicas) {
            add(["grafana", "autoscaling", "maxReplicas"], grafana.autoscaling.maxReplicas, `expected at least grafana.replicas (${grafana.replicas})`);
        }
        if (grafana.smtp && !secrets.smtpPassword) {
            add(["smtpPassword"], undefined, "the SMTP password is missing; run: pulumi config set --secret smtpPassword <password>");
        }
    },
} satisfies BackendSettings<typeof grafanaSettings>;

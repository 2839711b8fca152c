import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../stacks/schema";
import { createDashboards, dashboardDefinitions, dashboardUrlEntries } from "./dashboards";
import { createDatasources, type DatasourceInputs, datasourceDefinitions } from "./datasources";
import { createFolders, type FolderKey } from "./folders";
import { DATASOURCE_UIDS } from "./uids";

export interface GrafanaContentArgs {
    /** Grafana's public URL, for the dashboard URL outputs. */
    grafanaUrl: pulumi.Input<string>;
    /** What the datasources point at (each backend's in-cluster URL) and how they read it. */
    datasources: DatasourceInputs;
    /** The stack's namespace (the stack-health dashboard selects its components by it). */
    namespace: string;
    /** Services with SLOs: one SLO dashboard each. */
    services: StackConfig["services"];
}

/**
 * What Grafana holds: datasources linked to each other (metrics ↔ traces ↔ logs), folders, and the
 * dashboards. Create it with `providers: [automation.provider]`; every child inherits that provider.
 */
export class GrafanaContent extends pulumi.ComponentResource {
    /** UID of each datasource created, by name (prometheus, loki, tempo, alertmanager, pyroscope). */
    public readonly datasourceUids: Record<string, string>;
    /** UID of each folder; resolves once the folder exists, so dependents wait for it. */
    public readonly folderUids: Record<FolderKey, pulumi.Output<string>>;
    /** Public URL of each dashboard, by dashboard key. */
    public readonly dashboardUrls: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: GrafanaContentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:grafana:Content", name, {}, opts);
        const child = { parent: this };

        const datasources = createDatasources(name, datasourceDefinitions(args.datasources), child);
        const folders = createFolders(name, child);
        this.folderUids = Object.fromEntries(Object.entries(folders).map(([key, folder]) => [key, folder.uid])) as Record<FolderKey, pulumi.Output<string>>;

        // Dashboards wait for their datasources, so a fresh Grafana never shows them broken.
        const dashboards = createDashboards(name, dashboardDefinitions({ namespace: args.namespace, services: args.services }), this.folderUids, {
            parent: this,
            dependsOn: Object.values(datasources),
        });

        this.datasourceUids = Object.fromEntries(Object.keys(datasources).map((key) => [key, DATASOURCE_UIDS[key as keyof typeof DATASOURCE_UIDS]]));
        const baseUrl = pulumi.output(args.grafanaUrl).apply((url) => url.replace(/\/+$/, ""));
        this.dashboardUrls = pulumi
            .all([...dashboards].map(([definition, resource]) => pulumi.all([baseUrl, resource.id]).apply(([base]) => dashboardUrlEntries(base, definition))))
            .apply((entries) => Object.fromEntries(entries.flat()));

        this.registerOutputs({ datasourceUids: this.datasourceUids, folderUids: this.folderUids, dashboardUrls: this.dashboardUrls });
    }
}

// Which dashboards exist, where they live, and the one function that turns a definition into a
// `grafana.oss.Dashboard`. Definitions are typed foundation-SDK builders; nobody writes dashboard JSON.
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import type * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import type { StackConfig } from "../../../stacks/schema";
import { SLO_VARIABLES, sharedSloDashboard, sloDashboard } from "../../slo/dashboard";
import type { FolderKey } from "../folders";
import { DASHBOARD_UIDS, SLO_DASHBOARD_UID, sloDashboardUid } from "../uids";
import { importedDashboards, importedModel } from "./imported";
import { kubernetesDashboard } from "./kubernetes";
import { serviceOverviewDashboard } from "./serviceOverview";
import { stackHealthDashboard } from "./stackHealth";

export interface DashboardDefinition {
    /** Key of the dashboard in the `dashboardUrls` output. */
    key: string;
    /** Fixed UID: links and bookmarks keep working across deployments. */
    uid: string;
    folder: FolderKey;
    /** A typed foundation-SDK builder (the dashboards written here)… */
    build?: () => dashboard.DashboardBuilder;
    /** …or a model imported from a JSON file under dashboards/ (imported.ts). */
    imported?: () => Record<string, unknown>;
    /** More keys of the `dashboardUrls` output: the dashboard opened with these variables set (`?var-<name>=<value>`). */
    links?: DashboardLink[];
}

export interface DashboardLink {
    key: string;
    variables: Record<string, string>;
}

/** Key of a service's SLO view in the `dashboardUrls` output, whichever dashboard shows it. */
export const sloDashboardKey = (service: { namespace: string; name: string }) => `slo/${service.namespace}/${service.name}`;

/**
 * The SLO dashboards: the shared one, linked once per service it shows, and each own dashboard asked for.
 * Grafana's dashboard count does not grow with the services, only with those that ask for their own.
 */
function sloDashboards(services: StackConfig["services"]): DashboardDefinition[] {
    const shared = services.filter((service) => !service.ownDashboard);
    return [
        ...(shared.length === 0
            ? []
            : [
                  {
                      key: "slo",
                      uid: SLO_DASHBOARD_UID,
                      folder: "slos",
                      build: sharedSloDashboard,
                      links: shared.map((service) => ({
                          key: sloDashboardKey(service),
                          variables: { [SLO_VARIABLES.namespace]: service.namespace, [SLO_VARIABLES.service]: service.name },
                      })),
                  } satisfies DashboardDefinition,
              ]),
        ...services
            .filter((service) => service.ownDashboard)
            .map(
                (service): DashboardDefinition => ({
                    key: sloDashboardKey(service),
                    uid: sloDashboardUid(service),
                    folder: "slos",
                    build: () => sloDashboard(service),
                }),
            ),
    ];
}

/** Every URL of a dashboard by `dashboardUrls` key: its own, and one per link with the link's variables set. */
export function dashboardUrlEntries(baseUrl: string, definition: DashboardDefinition): Array<[string, string]> {
    const url = `${baseUrl}/d/${definition.uid}`;
    return [
        [definition.key, url],
        ...(definition.links ?? []).map((link): [string, string] => [
            link.key,
            `${url}?${Object.entries(link.variables)
                .map(([name, value]) => `var-${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
                .join("&")}`,
        ]),
    ];
}

export interface DashboardInputs {
    /** The stack's namespace: the stack-health panels select its components by it. */
    namespace: string;
    /** Services with SLOs: a link to the shared SLO dashboard each, or a dashboard of their own. */
    services: StackConfig["services"];
}

export function dashboardDefinitions(inputs: DashboardInputs): DashboardDefinition[] {
    return [
        { key: "serviceOverview", uid: DASHBOARD_UIDS.serviceOverview, folder: "services", build: serviceOverviewDashboard },
        { key: "stackHealth", uid: DASHBOARD_UIDS.stackHealth, folder: "stack", build: () => stackHealthDashboard(inputs.namespace) },
        { key: "kubernetes", uid: DASHBOARD_UIDS.kubernetes, folder: "kubernetes", build: kubernetesDashboard },
        ...sloDashboards(inputs.services),
        ...importedDashboards().map(
            (file): DashboardDefinition => ({ key: file.key, uid: file.uid, folder: file.folder, imported: () => importedModel(file) }),
        ),
    ];
}

const REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/**
 * The dashboard model as Grafana stores it: fixed UID, an annotation list, panel ids in layout order and
 * query refIds per panel, so the same definition always renders to the same text (no spurious diffs).
 */
export function renderDashboardJson(definition: DashboardDefinition): string {
    // An imported file is stored as it is, bound to our datasources: its panels keep their own ids.
    if (definition.imported) return JSON.stringify(definition.imported());
    if (!definition.build) throw new Error(`dashboard ${definition.uid} has neither a builder nor a file`);
    const model = definition.build().uid(definition.uid).build();
    // Grafana expects `annotations.list` and adds its built-in annotation query to it on load.
    model.annotations = { ...model.annotations, list: model.annotations?.list ?? [] };
    let nextId = 1;
    const number = (panel: dashboard.Panel | dashboard.RowPanel) => {
        panel.id = nextId++;
        if ("targets" in panel && panel.targets) {
            panel.targets.forEach((target, index) => {
                (target as { refId?: string }).refId ??= REF_IDS[index];
            });
        }
        if (panel.type === "row") (panel as dashboard.RowPanel).panels.forEach(number);
    };
    (model.panels ?? []).forEach(number);
    return JSON.stringify(model);
}

/** Creates every dashboard in its folder, overwriting whatever a person saved over it in the UI. */
export function createDashboards(
    name: string,
    definitions: readonly DashboardDefinition[],
    folderUids: Record<FolderKey, pulumi.Input<string>>,
    opts: pulumi.CustomResourceOptions,
): Map<DashboardDefinition, grafana.oss.Dashboard> {
    return new Map(
        definitions.map((definition) => [
            definition,
            new grafana.oss.Dashboard(
                `${name}-dashboard-${definition.uid}`,
                {
                    configJson: renderDashboardJson(definition),
                    folder: folderUids[definition.folder],
                    overwrite: true,
                    message: "Managed by Pulumi (observability-as-code)",
                },
                opts,
            ),
        ]),
    );
}

// Builds the GrafanaContent component for a committed stack under the mocks and reads back what it
// registered: datasources (with decoded jsonData), folders and dashboards (with parsed models).
import * as grafana from "@pulumiverse/grafana";
import { GrafanaContent } from "../../components/grafana/GrafanaContent";
import type { StackConfig } from "../../stacks/schema";
import { captureResources, type RecordedResource } from "./pulumi";
import { loadStack } from "./stacks";

/** Component URLs handed to the content, distinct enough to recognise in the datasources. */
export const TEST_URLS = {
    grafana: "https://grafana.test.example/",
    prometheus: "http://prometheus.test.svc:9090",
    loki: "http://loki.test.svc:3100",
    tempo: "http://tempo.test.svc:3200",
    alertmanager: "http://alertmanager.test.svc:9093",
    pyroscope: "http://pyroscope.test.svc:4040",
} as const;

export interface RecordedDatasource {
    uid: string;
    name: string;
    type: string;
    url: string;
    accessMode: string;
    isDefault: boolean;
    jsonData: any;
    provider?: string;
}
export interface RecordedFolder {
    uid: string;
    title: string;
}
export interface RecordedDashboard {
    uid: string;
    folder: string;
    configJson: string;
    model: any;
}

export interface BuiltContent {
    config: StackConfig;
    content: GrafanaContent;
    resources: RecordedResource[];
    datasources: RecordedDatasource[];
    folders: RecordedFolder[];
    dashboards: RecordedDashboard[];
}

let builds = 0;

export async function buildContent(stack: string, overrides: Record<string, string> = {}): Promise<BuiltContent> {
    const { config } = loadStack(stack, overrides);
    const name = `content-${stack}-${++builds}`;
    const alertmanagerEnabled = config.prometheus.alertmanager.enabled;
    let content: GrafanaContent | undefined;
    const resources = await captureResources(() => {
        const provider = new grafana.Provider(`${name}-provider`, { url: TEST_URLS.grafana, auth: "test-token" });
        content = new GrafanaContent(
            name,
            {
                grafanaUrl: TEST_URLS.grafana,
                datasources: {
                    prometheusUrl: TEST_URLS.prometheus,
                    lokiUrl: TEST_URLS.loki,
                    tempoUrl: TEST_URLS.tempo,
                    pyroscopeUrl: TEST_URLS.pyroscope,
                    alertmanagerUrl: alertmanagerEnabled ? TEST_URLS.alertmanager : undefined,
                    alertmanagerEnabled,
                    scrapeInterval: config.prometheus.scrapeInterval,
                },
                namespace: config.namespace,
                services: config.services,
            },
            { providers: [provider] },
        );
    });
    return { config, content: content!, resources, ...readContent(resources) };
}

export function readContent(resources: RecordedResource[]): Pick<BuiltContent, "datasources" | "folders" | "dashboards"> {
    const ofType = (type: string) => resources.filter((r) => r.type === type);
    return {
        datasources: ofType("grafana:oss/dataSource:DataSource").map((r) => ({
            uid: r.inputs.uid,
            name: r.inputs.name,
            type: r.inputs.type,
            url: r.inputs.url,
            accessMode: r.inputs.accessMode,
            isDefault: r.inputs.isDefault,
            jsonData: JSON.parse(r.inputs.jsonDataEncoded ?? "{}"),
            provider: r.provider,
        })),
        folders: ofType("grafana:oss/folder:Folder").map((r) => ({ uid: r.inputs.uid, title: r.inputs.title })),
        dashboards: ofType("grafana:oss/dashboard:Dashboard").map((r) => {
            const model = JSON.parse(r.inputs.configJson);
            return { uid: model.uid, folder: r.inputs.folder, configJson: r.inputs.configJson, model };
        }),
    };
}

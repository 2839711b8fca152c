// The datasources Grafana gets: each backend defines its own and its links to the others (components/<backend>/
// datasources.ts), read like a provisioning file. Key names follow Grafana 13's own settings types (cited per
// interface): Grafana ignores a misspelt jsonData key without a word, so tests pin each link to the datasource it must reach.
import type * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import { BACKEND_KEYS, BACKENDS } from "../backends";
import { goJsonMarshal } from "./alerting/wireFormat";
import { DATASOURCE_UIDS } from "./uids";

export type DatasourceKey = keyof typeof DATASOURCE_UIDS;

export interface TagMapping {
    key: string;
    value?: string;
}

export interface DatasourceDefinition {
    key: DatasourceKey;
    name: string;
    /** The datasource plugin's ID. */
    type: "prometheus" | "loki" | "tempo" | "alertmanager" | "grafana-pyroscope-datasource";
    url: pulumi.Input<string>;
    isDefault: boolean;
    /** Headers Grafana adds to every request to the datasource (stored encrypted by Grafana). */
    httpHeaders?: Record<string, string>;
    /** The datasource's settings, as its type's settings interface in Grafana's source (each backend's datasources.ts). */
    jsonData: object;
}

export interface DatasourceInputs {
    prometheusUrl: pulumi.Input<string>;
    lokiUrl: pulumi.Input<string>;
    tempoUrl: pulumi.Input<string>;
    pyroscopeUrl: pulumi.Input<string>;
    /** Set exactly when the stack runs Alertmanager. */
    alertmanagerUrl?: pulumi.Input<string | undefined>;
    alertmanagerEnabled: boolean;
    /** Prometheus' scrape interval, e.g. "30s". */
    scrapeInterval: string;
    /** Loki tenant to read (sent as X-Scope-OrgID) when Loki is multi-tenant. */
    lokiTenantId?: string;
}

/** Every backend's datasources (its datasources.ts), in the registry's order. */
export function datasourceDefinitions(inputs: DatasourceInputs): DatasourceDefinition[] {
    return BACKEND_KEYS.flatMap((key) => {
        const backend = BACKENDS[key];
        return "datasources" in backend ? backend.datasources(inputs) : [];
    });
}

/** Creates one `grafana.oss.DataSource` per definition, at its fixed UID. */
export function createDatasources(
    name: string,
    definitions: readonly DatasourceDefinition[],
    opts: pulumi.CustomResourceOptions,
): Partial<Record<DatasourceKey, grafana.oss.DataSource>> {
    const created: Partial<Record<DatasourceKey, grafana.oss.DataSource>> = {};
    for (const definition of definitions) {
        created[definition.key] = new grafana.oss.DataSource(
            `${name}-datasource-${definition.key}`,
            {
                name: definition.name,
                type: definition.type,
                uid: DATASOURCE_UIDS[definition.key],
                url: definition.url,
                accessMode: "proxy",
                isDefault: definition.isDefault,
                // In the provider's own encoding (Go's json.Marshal: sorted keys, `<>&` escaped): what it stores
                // in state both from our value (StateFunc NormalizeJsonString) and from Grafana's (datasourceConfigToState).
                jsonDataEncoded: goJsonMarshal(definition.jsonData),
                ...(definition.httpHeaders ? { httpHeaders: definition.httpHeaders } : {}),
            },
            opts,
        );
    }
    return created;
}

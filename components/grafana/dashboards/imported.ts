// Dashboards kept as JSON files (an export from another Grafana, or one from grafana.com vendored at a fixed
// revision) in dashboards/, imported into one of our folders with our datasource UIDs. Grafana's export format
// ("Export for sharing externally") names each datasource by an input (`__inputs`: `DS_PROMETHEUS`, plugin
// `prometheus`) and refers to it as "${DS_PROMETHEUS}"; importing binds every input to the UID we fix.
import * as fs from "fs";
import * as path from "path";
import type { FolderKey } from "../folders";
import { DATASOURCE_UIDS } from "../uids";

/** One vendored dashboard file and where it goes. */
export interface ImportedDashboard {
    /** Key of the dashboard in the `dashboardUrls` output. */
    key: string;
    /** Path under dashboards/ (the repository's folder of vendored dashboard JSON). */
    file: string;
    /** Fixed UID (≤ 40 characters), replacing whatever the file carries. */
    uid: string;
    folder: FolderKey;
    /** Where the file came from, for reviewers: "grafana.com dashboard 1860, revision 37", "exported from ...". */
    source: string;
}

/** The dashboards imported from JSON files: add a file under dashboards/ and a line here. */
export const IMPORTED_DASHBOARDS: readonly ImportedDashboard[] = [
    { key: "httpRequests", file: "http-requests.json", uid: "http-requests", folder: "services", source: "written for this repository in Grafana's export format (the README's worked example)" },
];

/** dashboards/ beside Pulumi.yaml: found by walking up, so the compiled program in bin/ finds it too. */
export const DASHBOARDS_DIR = (() => {
    for (let directory = __dirname; ; directory = path.dirname(directory)) {
        if (fs.existsSync(path.join(directory, "Pulumi.yaml"))) return path.join(directory, "dashboards");
        if (path.dirname(directory) === directory) throw new Error(`no Pulumi.yaml above ${__dirname}: cannot find dashboards/`);
    }
})();

/** Our datasource UID for each plugin id an export's input names. */
const UID_BY_PLUGIN: Record<string, string> = { prometheus: DATASOURCE_UIDS.prometheus, loki: DATASOURCE_UIDS.loki, tempo: DATASOURCE_UIDS.tempo };

interface ExportInput { name: string; type: string; pluginId?: string }

/** Replaces every "${INPUT}" string, and every `datasource: "${INPUT}"`, with the bound datasource. */
function bind(node: unknown, inputs: Map<string, { type: string; uid: string }>): unknown {
    if (typeof node === "string") {
        const whole = /^\$\{([A-Za-z0-9_]+)\}$/.exec(node);
        if (whole && inputs.has(whole[1])) return inputs.get(whole[1])!.uid;
        return node.replace(/\$\{([A-Za-z0-9_]+)\}/g, (text, name: string) => inputs.get(name)?.uid ?? text);
    }
    if (Array.isArray(node)) return node.map((item) => bind(item, inputs));
    if (node && typeof node === "object") {
        return Object.fromEntries(Object.entries(node).map(([key, value]) => {
            // A datasource given as the input's name alone becomes a reference Grafana resolves by UID.
            const named = key === "datasource" && typeof value === "string" ? /^\$\{([A-Za-z0-9_]+)\}$/.exec(value) : null;
            if (named && inputs.has(named[1])) return [key, { ...inputs.get(named[1])! }];
            return [key, bind(value, inputs)];
        }));
    }
    return node;
}

/** The dashboard model of an imported file, as Grafana will store it. */
export function importedModel(dashboard: ImportedDashboard): Record<string, unknown> {
    const file = path.join(DASHBOARDS_DIR, dashboard.file);
    const exported = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown> & { __inputs?: ExportInput[] };
    const inputs = new Map<string, { type: string; uid: string }>();
    const unbound: string[] = [];
    for (const input of exported.__inputs ?? []) {
        if (input.type !== "datasource") continue;
        const uid = UID_BY_PLUGIN[input.pluginId ?? ""];
        if (uid) inputs.set(input.name, { type: input.pluginId!, uid });
        else unbound.push(`${input.name} (${input.pluginId})`);
    }
    if (unbound.length > 0) throw new Error(`dashboards/${dashboard.file}: no datasource of this stack for ${unbound.join(", ")}; allowed plugins: ${Object.keys(UID_BY_PLUGIN).join(", ")}`);
    const { __inputs: _inputs, __requires: _requires, __elements: _elements, id: _id, ...model } = exported;
    const bound = bind(model, inputs) as Record<string, unknown>;
    const left = JSON.stringify(bound).match(/\$\{DS_[A-Za-z0-9_]+\}/g);
    if (left) throw new Error(`dashboards/${dashboard.file}: ${[...new Set(left)].join(", ")} is not one of its __inputs`);
    return { ...bound, uid: dashboard.uid };
}

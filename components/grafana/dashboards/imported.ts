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

/** dashboards/ beside Pulumi.yaml: found by walking up, so the compiled program in bin/ finds it too. */
export const DASHBOARDS_DIR = (() => {
    for (let directory = __dirname; ; directory = path.dirname(directory)) {
        if (fs.existsSync(path.join(directory, "Pulumi.yaml"))) return path.join(directory, "dashboards");
        if (path.dirname(directory) === directory) throw new Error(`no Pulumi.yaml above ${__dirname}: cannot find dashboards/`);
    }
})();

/**
 * kube-prometheus-stack's standard dashboards, vendored from the pinned chart by `npm run dashboards:vendor`
 * (scripts/vendor-dashboards.ts): compute resources by cluster, namespace, workload, pod and node, networking,
 * persistent volumes, the API server, kubelet, CoreDNS, node-exporter and Prometheus. Left out: the control
 * plane's (a managed cluster has none to scrape), and the AIX, macOS and multi-cluster variants.
 */
export const KUBE_PROMETHEUS_DASHBOARDS = [
    "k8s-resources-cluster",
    "k8s-resources-namespace",
    "k8s-resources-workloads-namespace",
    "k8s-resources-workload",
    "k8s-resources-pod",
    "k8s-resources-node",
    "k8s-resources-nodes-overview",
    "cluster-total",
    "namespace-by-pod",
    "namespace-by-workload",
    "pod-total",
    "workload-total",
    "persistentvolumesusage",
    "apiserver",
    "kubelet",
    "k8s-coredns",
    "nodes",
    "node-rsrc-use",
    "node-cluster-rsrc-use",
    "prometheus",
] as const;

/** dashboards/kube-prometheus-stack/VENDORED.json: which chart version the files come from. */
export interface VendoredDashboards {
    chart: string;
    version: string;
    dashboards: Array<{ name: string; uid: string; title: string }>;
}

function kubePrometheusDashboards(): ImportedDashboard[] {
    const index = JSON.parse(fs.readFileSync(path.join(DASHBOARDS_DIR, "kube-prometheus-stack", "VENDORED.json"), "utf8")) as VendoredDashboards;
    // Their own UIDs are kept: the dashboards link to each other by them (/d/<uid>).
    return index.dashboards.map(({ name, uid }) => ({
        key: `kubePrometheusStack/${name}`,
        file: `kube-prometheus-stack/${name}.json`,
        uid,
        folder: "kubePrometheusStack",
        source: `${index.chart} ${index.version}, rendered by helm template`,
    }));
}

/** Dashboards imported from a JSON file of ours: add a file under dashboards/ and a line here. */
export const IMPORTED_DASHBOARDS: readonly ImportedDashboard[] = [
    {
        key: "httpRequests",
        file: "http-requests.json",
        uid: "http-requests",
        folder: "services",
        source: "written for this repository in Grafana's export format (the README's worked example)",
    },
];

/** Every imported dashboard: ours, then kube-prometheus-stack's vendored ones. */
export function importedDashboards(): ImportedDashboard[] {
    return [...IMPORTED_DASHBOARDS, ...kubePrometheusDashboards()];
}

/** Our datasource UID for each plugin id an export's input names. */
const UID_BY_PLUGIN: Record<string, string> = { prometheus: DATASOURCE_UIDS.prometheus, loki: DATASOURCE_UIDS.loki, tempo: DATASOURCE_UIDS.tempo };

interface ExportInput {
    name: string;
    type: string;
    pluginId?: string;
}

/** Replaces every "${INPUT}" string, and every `datasource: "${INPUT}"`, with the bound datasource. */
function bind(node: unknown, inputs: Map<string, { type: string; uid: string }>): unknown {
    if (typeof node === "string") {
        const whole = /^\$\{([A-Za-z0-9_]+)\}$/.exec(node);
        if (whole && inputs.has(whole[1])) return inputs.get(whole[1])!.uid;
        return node.replace(/\$\{([A-Za-z0-9_]+)\}/g, (text, name: string) => inputs.get(name)?.uid ?? text);
    }
    if (Array.isArray(node)) return node.map((item) => bind(item, inputs));
    if (node && typeof node === "object") {
        // A datasource reference by variable, "${datasource}" or "$datasource", with or without its type.
        const reference = node as { uid?: unknown };
        const byVariable = typeof reference.uid === "string" ? /^\$\{?([A-Za-z0-9_]+)\}?$/.exec(reference.uid) : null;
        if (byVariable && inputs.has(byVariable[1])) return { ...node, ...inputs.get(byVariable[1])! };
        return Object.fromEntries(
            Object.entries(node).map(([key, value]) => {
                // A datasource given as the input's name alone becomes a reference Grafana resolves by UID.
                const named = key === "datasource" && typeof value === "string" ? /^\$\{([A-Za-z0-9_]+)\}$/.exec(value) : null;
                if (named && inputs.has(named[1])) return [key, { ...inputs.get(named[1])! }];
                return [key, bind(value, inputs)];
            }),
        );
    }
    return node;
}

/** A panel on Grafana's "-- Mixed --" datasource whose targets all use one datasource takes that one. */
function unmixed(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(unmixed);
    if (!node || typeof node !== "object") return node;
    const object = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, unmixed(value)])) as Record<string, any>;
    if (object.datasource?.uid === "-- Mixed --") {
        const targets: any[] = Array.isArray(object.targets) ? object.targets : [];
        const used = new Set(targets.map((target) => JSON.stringify(target.datasource ?? null)));
        // A panel without queries (a text panel) needs no datasource at all.
        if (targets.length === 0) delete object.datasource;
        else if (used.size === 1 && !used.has("null")) object.datasource = JSON.parse([...used][0] as string);
    }
    // Grafana gives targets without a refId the letters A, B, … on load: stored that way, they read back unchanged.
    if (Array.isArray(object.targets))
        object.targets.forEach((target: any, index: number) => {
            target.refId ??= "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index];
        });
    return object;
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
    // A datasource variable (the mixins' `$datasource`, query "prometheus") is bound the same way, and kept
    // with our datasource selected: links carry it as ${datasource:queryparam}.
    const variables = ((exported.templating as { list?: Array<Record<string, any>> } | undefined)?.list ?? []).filter((v) => v.type === "datasource");
    for (const variable of variables) {
        const uid = UID_BY_PLUGIN[String(variable.query)];
        if (!uid) {
            unbound.push(`$${variable.name} (${variable.query})`);
            continue;
        }
        inputs.set(variable.name, { type: String(variable.query), uid });
        variable.current = { selected: true, text: uid, value: uid };
    }
    if (unbound.length > 0)
        throw new Error(
            `dashboards/${dashboard.file}: no datasource of this stack for ${unbound.join(", ")}; allowed plugins: ${Object.keys(UID_BY_PLUGIN).join(", ")}`,
        );
    const { __inputs: _inputs, __requires: _requires, __elements: _elements, id: _id, ...model } = exported;
    const bound = unmixed(bind(model, inputs)) as Record<string, unknown>;
    const left = JSON.stringify(bound).match(/\$\{DS_[A-Za-z0-9_]+\}/g);
    if (left) throw new Error(`dashboards/${dashboard.file}: ${[...new Set(left)].join(", ")} is not one of its __inputs`);
    // Grafana expects `annotations.list` and adds its built-in annotation query to it on load.
    const annotations = (bound.annotations ?? {}) as { list?: unknown[] };
    return { ...bound, annotations: { ...annotations, list: annotations.list ?? [] }, uid: dashboard.uid };
}

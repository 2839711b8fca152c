// `helm template` of one release, exactly as the program asks `k8s.helm.v3.Release` to install it: release
// name, namespace, the pinned chart (from chartSource) and the program's values, against the Kubernetes
// version and API groups the cluster will have.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import type { ChartKey } from "../../components/charts";
import { type ChartSource, chartSource } from "./chartSource";
import { INSTALL_TOOLS, installedTool, TOOL_VERSIONS } from "./goTools";

/** The Helm v3 the Pulumi Kubernetes provider's 3.20 line embeds; scripts/install-tools.sh installs exactly it. */
export const HELM_VERSION = TOOL_VERSIONS.HELM_VERSION;

export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    [field: string]: any;
}

/** The Pulumi type of `k8s.helm.v3.Release`, whose inputs are what gets rendered. */
export { HELM_RELEASE_TYPE } from "../../components/helm";

let resolvedHelm: string | undefined;

/** $HELM, else `helm` on PATH, else Go's bin directory; whichever it is must report HELM_VERSION. */
export function helmBinary(): string {
    if (resolvedHelm) return resolvedHelm;
    // Go's bin directory last, and only when needed: a Helm on PATH needs no Go.
    const candidates: Array<() => string | undefined> = [() => process.env.HELM, () => "helm", () => installedTool("helm")];
    const seen: string[] = [];
    for (const candidateOf of candidates) {
        const candidate = candidateOf();
        if (!candidate) continue;
        const version = spawnSync(candidate, ["version", "--template", "{{.Version}}"], { encoding: "utf8" });
        if (version.status !== 0) continue;
        if (version.stdout.trim() === HELM_VERSION) {
            resolvedHelm = candidate;
            return candidate;
        }
        seen.push(`${candidate} is ${version.stdout.trim()}`);
    }
    throw new Error(`Helm ${HELM_VERSION} not found (${seen.join("; ") || "no helm on PATH or in $(go env GOPATH)/bin"}). Fix: \`${INSTALL_TOOLS}\``);
}

export interface ReleaseToRender {
    /** Helm release name (the Release's `name`). */
    name: string;
    namespace: string;
    chart: ChartKey;
    values: Record<string, unknown>;
}

export interface RenderTarget {
    /** `--kube-version`: the oldest Kubernetes the stack supports. */
    kubeVersion: string;
    /** `--api-versions`: API groups (and group/version/kind) that exist besides the built-in ones. */
    apiVersions: readonly string[];
}

export interface RenderedRelease extends ReleaseToRender {
    source: ChartSource;
    objects: KubernetesObject[];
    /** The manifest text Helm printed, for the render's review files. */
    manifest: string;
}

/** Renders one release; a chart's template error is thrown with Helm's own message. */
export function helmTemplate(release: ReleaseToRender, target: RenderTarget): RenderedRelease {
    const source = chartSource(release.chart);
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "helm-values-"));
    try {
        const valuesFile = path.join(directory, "values.json");
        // Values may hold test secrets; the file lives only for this call, readable by the owner alone.
        fs.writeFileSync(valuesFile, JSON.stringify(release.values), { mode: 0o600 });
        const args = [
            "template",
            release.name,
            source.path,
            "--namespace",
            release.namespace,
            "--include-crds",
            "--kube-version",
            target.kubeVersion,
            ...target.apiVersions.flatMap((api) => ["--api-versions", api]),
            "--values",
            valuesFile,
        ];
        const run = spawnSync(helmBinary(), args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
        if (run.status !== 0) {
            throw new Error(`helm template ${release.name} (${source.description}, namespace ${release.namespace}) failed:\n${run.stderr.trim()}`);
        }
        return { ...release, source, objects: parseManifests(run.stdout), manifest: run.stdout };
    } finally {
        fs.rmSync(directory, { recursive: true, force: true });
    }
}

/** Every object of a multi-document YAML stream; empty documents (templates that rendered nothing) dropped. */
export function parseManifests(text: string): KubernetesObject[] {
    return parseAllDocuments(text).flatMap((document) => {
        if (document.errors.length > 0) throw new Error(`Helm printed invalid YAML: ${document.errors[0].message}`);
        const value = document.toJS({ maxAliasCount: -1 }) as KubernetesObject | null;
        return value && typeof value === "object" ? [value] : [];
    });
}

// Strict schema validation of everything a stack sends to the API: kubeconform (a well-kept validator)
// against schemas tools/kubeschemas generates from Kubernetes' own OpenAPI (swagger.json of the
// k8s.io/kubernetes release) and from the CRDs the charts ship. Unknown fields are errors.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { goTool, installedTool, runTool, withInputFiles } from "../../scripts/lib/goTools";
import type { KubernetesObject } from "../../scripts/lib/helmTemplate";

/** Kubernetes releases whose OpenAPI the manifests must satisfy: the oldest and newest supported minors. */
export const SCHEMA_RELEASES = ["1.34.3", "1.37.2"] as const;

export interface SchemaResult {
    filename: string;
    kind: string;
    name: string;
    version: string;
    status: string;
    msg: string;
}

const generated = new Map<string, string>();

/** Generates (once per process) the schemas of one Kubernetes release plus the given CRDs. */
function schemaDirectory(release: string, crds: KubernetesObject[]): string {
    const key = `${release}:${crds
        .map((crd) => crd.metadata.name)
        .sort()
        .join(",")}`;
    const known = generated.get(key);
    if (known) return known;
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), `kube-schemas-${release}-`));
    const crdFile = path.join(directory, "crds.yaml");
    fs.writeFileSync(crdFile, crds.map((crd) => stringify(crd)).join("---\n"));
    runTool(goTool("kubeschemas"), ["--kubernetes-version", `v${release}`, "--out", directory, "--crds", crdFile]);
    generated.set(key, directory);
    return directory;
}

/** kubeconform -strict on `objects`; returns one result per object (status valid, invalid, error or skipped). */
export function validateSchemas(objects: KubernetesObject[], release: string, crds: KubernetesObject[]): SchemaResult[] {
    const directory = schemaDirectory(release, crds);
    // One file per object, not a multi-document stream on stdin: kubeconform split the stream inside a large CRD
    // once in CI ("yaml: line 5: mapping values are not allowed" for prometheusagents, for 1.37.2 only, while the same
    // objects passed for 1.34.3 in that run and for both in the run before), so
    // the document boundaries are the files' own.
    const documents = objects.map((object) => stringify(object, { lineWidth: 0 }));
    return withInputFiles("object", ".yaml", documents, (files) => {
        // Exit 1 means some resource is invalid; the JSON says which. Anything else is a failure of the tool.
        const output = runTool(
            installedTool("kubeconform"),
            [
                "-strict",
                "-verbose",
                "-output",
                "json",
                "-kubernetes-version",
                release,
                "-schema-location",
                `${directory}/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
                "-schema-location",
                `${directory}/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`,
                ...files,
            ],
            undefined,
            [0, 1],
        );
        return (JSON.parse(output) as { resources: SchemaResult[] }).resources;
    });
}

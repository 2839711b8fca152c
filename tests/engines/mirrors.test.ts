import * as assert from "assert";
import { CHARTS } from "../../components/charts";
import { ObservabilityStack } from "../../components/ObservabilityStack";
import type { KubernetesObject } from "../../scripts/lib/helmTemplate";
import { allObjects, committedStackManifests, renderStack } from "../../scripts/lib/stackManifests";
import { ConfigError } from "../../stacks/config";
import { checkStorageClass, missingStorageClass } from "../../stacks/storageClasses";
import { captureResources, unwrapSecrets } from "../helpers/pulumi";
import { loadStack, STACK_NAMES } from "../helpers/stacks";

// config charts.repository and images.registry: every release fetches its chart from the mirror, and every image
// every chart renders (containers, init containers, the operator's Prometheus and Alertmanager, the images the
// operator is told to inject) comes from the mirror registry.
const CHART_MIRROR = "oci://registry.example.com/charts";
const HTTP_CHART_MIRROR = "https://charts.example.com/helm";
const IMAGE_MIRROR = "mirror.example.com:8443/oac";

/** Every image reference in the objects: `image` fields anywhere, and image flags of container args. */
function imageReferences(objects: KubernetesObject[]): Array<{ where: string; image: string }> {
    const found: Array<{ where: string; image: string }> = [];
    const visit = (value: unknown, where: string): void => {
        if (Array.isArray(value)) {
            for (const [index, item] of value.entries()) visit(item, `${where}[${index}]`);
            return;
        }
        if (!value || typeof value !== "object") return;
        for (const [key, child] of Object.entries(value)) {
            if (key === "image" && typeof child === "string") found.push({ where: `${where}.image`, image: child });
            if (key === "args" && Array.isArray(child)) {
                for (const arg of child) {
                    const flag = typeof arg === "string" ? /^--[a-z-]*(?:image|config-reloader)[a-z-]*=(.+)$/.exec(arg) : null;
                    if (flag && /[/:]/.test(flag[1])) found.push({ where: `${where}.args ${arg.split("=")[0]}`, image: flag[1] });
                }
            }
            visit(child, `${where}.${key}`);
        }
    };
    for (const object of objects) visit(object, `${object.kind}/${object.metadata?.name}`);
    return found;
}

describe("charts and images from a mirror (charts.repository, images.registry)", function () {
    this.timeout(900_000);

    it("refuses a repository or registry that is not one, naming the key, the value and what is allowed", () => {
        assert.throws(
            () => loadStack("dev", { charts: JSON.stringify({ repository: "registry.example.com/charts" }) }),
            (error: unknown) => {
                assert.ok(error instanceof ConfigError);
                assert.match(
                    error.message,
                    /observability:charts\.repository: got "registry\.example\.com\/charts"; expected a Helm repository URL .*oci:\/\//,
                );
                return true;
            },
        );
        assert.throws(
            () => loadStack("dev", { images: JSON.stringify({ registry: "https://mirror.example.com/" }) }),
            /observability:images\.registry: got "https:\/\/mirror\.example\.com\/"; expected a registry host with an optional port and path, without a scheme/,
        );
    });

    it("without a mirror, the renders name upstream registries (what the mirror must replace)", () => {
        const images = imageReferences(allObjects(committedStackManifests("dev"))).map((r) => r.image);
        assert.ok(images.length > 10, `${images.length} image references`);
        for (const registry of ["quay.io/", "docker.io/"])
            assert.ok(
                images.some((image) => image.startsWith(registry)),
                `no ${registry} image in ${images.join(", ")}`,
            );
    });

    for (const stack of STACK_NAMES) {
        it(`${stack}: every release names the OCI mirror and every rendered image comes from the registry mirror`, async () => {
            const manifests = renderStack(stack, { charts: { repository: CHART_MIRROR }, images: { registry: IMAGE_MIRROR } });
            const resources = await captureResources(() => {
                const { config, secrets } = loadStack(stack, {
                    charts: JSON.stringify({ repository: CHART_MIRROR }),
                    images: JSON.stringify({ registry: IMAGE_MIRROR }),
                });
                return new ObservabilityStack(`mirrored-${stack}`, { config, secrets });
            });
            const releases = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => unwrapSecrets(r.inputs) as Record<string, any>);
            assert.strictEqual(releases.length, manifests.releases.length);
            for (const release of releases) {
                assert.match(release.chart, new RegExp(`^${CHART_MIRROR}/[a-z-]+$`), release.name);
                assert.strictEqual(release.repositoryOpts, undefined, `${release.name}: an OCI chart needs no repository`);
            }
            const references = imageReferences(allObjects(manifests));
            assert.ok(references.length > 10, `${references.length} image references`);
            const elsewhere = references.filter((r) => !r.image.startsWith(`${IMAGE_MIRROR}/`)).map((r) => `${r.where}: ${r.image}`);
            assert.deepStrictEqual(elsewhere, [], "images not from the mirror");
        });
    }

    it("an http(s) mirror is each release's repository, with the pinned chart names and versions", async () => {
        const resources = await captureResources(() => {
            const { config, secrets } = loadStack("production", { charts: JSON.stringify({ repository: HTTP_CHART_MIRROR }) });
            return new ObservabilityStack("mirrored-http", { config, secrets });
        });
        const releases = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => unwrapSecrets(r.inputs) as Record<string, any>);
        assert.ok(releases.length >= 5);
        const pinned = Object.values(CHARTS).map((pin) => `${pin.chart}@${pin.version}`);
        for (const release of releases) {
            assert.deepStrictEqual(release.repositoryOpts, { repo: HTTP_CHART_MIRROR }, release.name);
            assert.ok(pinned.includes(`${release.chart}@${release.version}`), `${release.name}: ${release.chart}@${release.version}`);
        }
    });
});

describe("cluster.storageClass the cluster lacks", () => {
    const cluster = [
        { name: "standard", isDefault: true },
        { name: "fast", isDefault: false },
    ];

    it("is refused naming the key, the value and the classes the cluster has", async () => {
        await assert.rejects(
            checkStorageClass("observability", "gp3", async () => cluster),
            (error: Error) => {
                assert.match(error.message, /^observability:cluster\.storageClass: got "gp3"; the cluster has no StorageClass "gp3"/);
                assert.match(error.message, /StorageClasses the cluster has: standard \(default\), fast\./);
                return true;
            },
        );
        assert.strictEqual(missingStorageClass("observability", "fast", cluster), undefined);
        await checkStorageClass("observability", undefined, async () => {
            throw new Error("not asked when unset");
        });
    });

    it("stops the stack before it registers any resource", async () => {
        const { config, secrets } = loadStack("production");
        assert.strictEqual(config.cluster.storageClass, "gp3");
        const refused = await captureResources(() => new ObservabilityStack("storage-refused", { config, secrets, storageClasses: async () => cluster }));
        assert.deepStrictEqual(
            refused.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.name),
            [],
        );
        const allowed = await captureResources(
            () =>
                new ObservabilityStack("storage-allowed", {
                    config,
                    secrets,
                    storageClasses: async () => [...cluster, { name: "gp3", isDefault: false }],
                }),
        );
        assert.ok(allowed.some((r) => r.type === "kubernetes:core/v1:Namespace"));
    });
});

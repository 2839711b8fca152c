// cluster.storageClass names a StorageClass the cluster must have: a claim naming one that does not exist stays
// Pending, and `pulumi up` would wait out Helm's timeout (15 minutes) before it fails. The program asks the cluster
// for its StorageClasses while it runs, in preview too, and refuses a missing one, naming those it has.
import * as pulumi from "@pulumi/pulumi";

export interface StorageClassInfo {
    name: string;
    isDefault: boolean;
}
export type StorageClassLister = () => Promise<StorageClassInfo[]>;

/** The problem with `storageClass` on a cluster with `classes`, or undefined when it has it. */
export function missingStorageClass(project: string, storageClass: string, classes: StorageClassInfo[]): string | undefined {
    if (classes.some((c) => c.name === storageClass)) return undefined;
    const has = classes.length === 0 ? "none" : classes.map((c) => `${c.name}${c.isDefault ? " (default)" : ""}`).join(", ");
    return (
        `${project}:cluster.storageClass: got "${storageClass}"; the cluster has no StorageClass "${storageClass}" ` +
        `(its claims would stay Pending until Helm's timeout). StorageClasses the cluster has: ${has}. ` +
        "Set one of them, or remove the key to use the cluster's default"
    );
}

/**
 * Reads the StorageClasses from the cluster the Kubernetes provider deploys to: the kubeconfig it reads
 * (config `kubernetes:kubeconfig`, a path or the file's content, else $KUBECONFIG's first file, else
 * ~/.kube/config) and its context (`kubernetes:context`, else the current one). Client certificates, bearer
 * tokens and exec credential plugins (EKS, GKE, AKS) are supported. Written here rather than with
 * @kubernetes/client-node: that library ships as ES modules only ("type": "module" since 1.0), and the
 * program runs as CommonJS; one GET of a cluster-scoped list needs no more than this.
 */
export const listStorageClasses: StorageClassLister = async () => {
    const fs: typeof import("fs") = require("fs");
    const os: typeof import("os") = require("os");
    const path: typeof import("path") = require("path");
    const https: typeof import("https") = require("https");
    const http: typeof import("http") = require("http");
    const { spawnSync }: typeof import("child_process") = require("child_process");
    const { parse }: typeof import("yaml") = require("yaml");

    const k8sConfig = new pulumi.Config("kubernetes");
    const setting = k8sConfig.get("kubeconfig");
    const file = (process.env.KUBECONFIG ?? "").split(path.delimiter).find(Boolean) ?? path.join(os.homedir(), ".kube", "config");
    const text = setting
        ? setting.trimStart().startsWith("apiVersion") || setting.includes("\n")
            ? setting
            : fs.readFileSync(setting, "utf8")
        : fs.readFileSync(file, "utf8");
    const kubeconfig = parse(text);
    const contextName = k8sConfig.get("context") ?? kubeconfig["current-context"];
    const context = kubeconfig.contexts?.find((c: any) => c.name === contextName)?.context;
    if (!context) throw new Error(`the kubeconfig has no context "${contextName}"`);
    const cluster = kubeconfig.clusters?.find((c: any) => c.name === context.cluster)?.cluster;
    const user = kubeconfig.users?.find((u: any) => u.name === context.user)?.user ?? {};
    if (!cluster?.server) throw new Error(`the kubeconfig's context "${contextName}" names no cluster server`);
    const data = (inline: string | undefined, fileName: string | undefined) =>
        inline ? Buffer.from(inline, "base64") : fileName ? fs.readFileSync(fileName) : undefined;

    let token: string | undefined = user.token ?? (user.tokenFile ? fs.readFileSync(user.tokenFile, "utf8").trim() : undefined);
    let cert = data(user["client-certificate-data"], user["client-certificate"]);
    let key = data(user["client-key-data"], user["client-key"]);
    if (user.exec?.command) {
        const env = { ...process.env, ...Object.fromEntries((user.exec.env ?? []).map((e: any) => [e.name, e.value])) };
        const run = spawnSync(user.exec.command, user.exec.args ?? [], { encoding: "utf8", env, timeout: 60_000 });
        if (run.status !== 0) throw new Error(`the kubeconfig's credential plugin ${user.exec.command} failed: ${run.stderr || run.error}`);
        const status = JSON.parse(run.stdout).status ?? {};
        token = status.token ?? token;
        if (status.clientCertificateData) cert = Buffer.from(status.clientCertificateData);
        if (status.clientKeyData) key = Buffer.from(status.clientKeyData);
    }
    const url = new URL("/apis/storage.k8s.io/v1/storageclasses", cluster.server);
    const body: string = await new Promise((resolve, reject) => {
        const request = (url.protocol === "https:" ? https : http).request(
            url,
            {
                method: "GET",
                ca: data(cluster["certificate-authority-data"], cluster["certificate-authority"]),
                rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true,
                cert,
                key,
                timeout: 30_000,
                headers: { Accept: "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
            },
            (response) => {
                const chunks: Buffer[] = [];
                response.on("data", (chunk: Buffer) => chunks.push(chunk));
                response.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    if (response.statusCode === 200) resolve(text);
                    else reject(new Error(`GET ${url.pathname} answered ${response.statusCode}: ${text.slice(0, 300)}`));
                });
            },
        );
        request.on("timeout", () => request.destroy(new Error(`GET ${url.pathname} timed out`)));
        request.on("error", reject);
        request.end();
    });
    return JSON.parse(body).items.map((item: any) => ({
        name: item.metadata.name,
        isDefault: item.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true",
    }));
};

/**
 * Resolves once `storageClass` is known to exist; rejects with the problem otherwise. A cluster that cannot be
 * asked (no kubeconfig, no permission to list StorageClasses) is a warning, not a refusal: the provider then
 * reports the cluster's own error.
 */
export async function checkStorageClass(project: string, storageClass: string | undefined, list: StorageClassLister): Promise<void> {
    if (!storageClass) return;
    let classes: StorageClassInfo[];
    try {
        classes = await list();
    } catch (error) {
        await pulumi.log.warn(
            `${project}:cluster.storageClass: could not list the cluster's StorageClasses to check "${storageClass}": ${(error as Error).message}`,
        );
        return;
    }
    const problem = missingStorageClass(project, storageClass, classes);
    if (problem) throw new Error(problem);
}

/**
 * The lister for the program: the cluster's, except under Pulumi's mocks (the unit tests and offline renders),
 * which have no cluster and must not reach whichever one the machine's kubeconfig names.
 */
export function clusterStorageClasses(): StorageClassLister | undefined {
    const { getMonitor } = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): unknown };
    const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as { MockMonitor: new (...args: any[]) => unknown };
    return getMonitor() instanceof MockMonitor ? undefined : listStorageClasses;
}

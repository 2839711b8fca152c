import type * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import { FOLDER_UIDS } from "./uids";

export type FolderKey = keyof typeof FOLDER_UIDS;

export const FOLDER_TITLES: Record<FolderKey, string> = {
    services: "Services",
    stack: "Observability Stack",
    kubernetes: "Kubernetes",
    alerts: "Alerts",
    slos: "SLOs",
    kubePrometheusStack: "Kubernetes (kube-prometheus-stack)",
};

/** Creates every folder at its fixed UID. */
export function createFolders(name: string, opts: pulumi.CustomResourceOptions): Record<FolderKey, grafana.oss.Folder> {
    const keys = Object.keys(FOLDER_UIDS) as FolderKey[];
    return Object.fromEntries(
        keys.map((key) => [
            key,
            new grafana.oss.Folder(
                `${name}-folder-${key}`,
                {
                    uid: FOLDER_UIDS[key],
                    title: FOLDER_TITLES[key],
                    // Dashboards and alert rules inside must go first; a folder never takes them down with it.
                    preventDestroyIfNotEmpty: true,
                },
                opts,
            ),
        ]),
    ) as Record<FolderKey, grafana.oss.Folder>;
}

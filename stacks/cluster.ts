// What the kind of cluster decides: whether Prometheus can reach the control plane's metrics, and whether the
// cluster has a default StorageClass. One place, read by the loader's checks and the components.

/** The clusters users start on. "self-managed": a control plane whose metrics listen on node addresses. */
export const DISTRIBUTIONS = ["kind", "k3d", "minikube", "docker-desktop", "kubeadm", "eks", "gke", "aks", "self-managed"] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/**
 * Why the scheduler, controller manager, etcd and kube-proxy cannot be scraped there: each would be a target
 * that is down from the first minute, and its "down" alert would fire on a fresh cluster.
 */
export const UNSCRAPED_CONTROL_PLANE: Record<Exclude<Distribution, "self-managed">, string> = {
    kind: "kubeadm inside a container: the scheduler and controller manager bind 127.0.0.1, etcd serves metrics on 127.0.0.1:2381, kube-proxy on 127.0.0.1:10249",
    kubeadm: "kubeadm's defaults bind the scheduler and controller manager to 127.0.0.1, etcd's metrics to 127.0.0.1:2381 and kube-proxy's to 127.0.0.1:10249",
    minikube: "kubeadm's defaults (loopback-only control-plane metrics)",
    "docker-desktop": "kubeadm's defaults (loopback-only control-plane metrics)",
    k3d: "k3s runs the control plane inside one server process, with no separate metrics endpoints",
    eks: "the control plane is managed and out of reach; kube-proxy's metrics listen on 127.0.0.1",
    gke: "the control plane is managed and out of reach",
    aks: "the control plane is managed and out of reach",
};

/** Distributions without a default StorageClass, and what to set instead. */
export const NO_DEFAULT_STORAGE_CLASS: Partial<Record<Distribution, string>> = {
    eks: "EKS clusters have had no default StorageClass since Kubernetes 1.30: install the EBS CSI driver and set cluster.storageClass to its class (for example gp3)",
};

export interface ClusterSettings {
    distribution: Distribution;
    managedControlPlane?: boolean;
    storageClass?: string;
}

/** Whether Prometheus scrapes, and the stack alerts on, the scheduler, controller manager, etcd and kube-proxy. */
export function scrapesControlPlane(cluster: ClusterSettings): boolean {
    return cluster.distribution === "self-managed" && cluster.managedControlPlane !== true;
}

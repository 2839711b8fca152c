// The labels of the namespaces the stack creates: the stack's own, node-exporter's and the eBPF profiler's.

/**
 * Pod Security Admission. The stack's namespace enforces "baseline" and warns and audits at "restricted", so
 * tightening later is a measured step. node-exporter's and the eBPF profiler's namespaces are "privileged" at all
 * three: their DaemonSets need host access by design, and a "restricted" warning on every install and upgrade
 * would only teach operators to ignore warnings.
 */
export function namespaceLabels(level: "baseline" | "privileged"): Record<string, string> {
    const reported = level === "baseline" ? "restricted" : "privileged";
    return {
        "app.kubernetes.io/part-of": "observability",
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/warn": reported,
        "pod-security.kubernetes.io/audit": reported,
    };
}

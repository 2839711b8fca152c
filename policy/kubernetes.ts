// Where Kubernetes resources land: never the `default` namespace, which every other workload and every
// `kubectl` without `-n` shares, so RBAC, quotas and a clean uninstall cannot be scoped to the stack.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isNonEmptyString, isObject, TYPES } from "./common";

/** Kinds that live outside any namespace (core Kubernetes plus cert-manager's ClusterIssuer). */
const CLUSTER_SCOPED_KINDS = new Set([
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "RuntimeClass",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "APIService",
    "CertificateSigningRequest",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "ComponentStatus",
    "ClusterIssuer",
    "ClusterTrustBundle",
    "DeviceClass",
]);
/** Types that take the namespace as a top-level input rather than in metadata. */
const NAMESPACE_INPUT_TYPES: readonly string[] = [TYPES.helmRelease, TYPES.helmChartV4];

export const noDefaultNamespace: ResourceValidationPolicy = {
    name: "no-default-namespace",
    description: "No Helm release or namespaced Kubernetes resource goes to the `default` namespace (set explicitly or by omission).",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        'Install into the stack\'s own namespace: observability:namespace (default "monitoring"); pass it as `namespace` to ' +
        "chartRelease (components/helm.ts) and as metadata.namespace to every namespaced resource.",
    validateResource: (args, reportViolation) => {
        if (!args.type.startsWith("kubernetes:")) args.notApplicable("applies to Kubernetes resources only");
        const kind = args.type.split(":")[2] ?? "";
        let namespace: unknown;
        if (NAMESPACE_INPUT_TYPES.includes(args.type)) {
            namespace = args.props.namespace;
        } else if (CLUSTER_SCOPED_KINDS.has(kind) || kind.endsWith("List") || !isObject(args.props.metadata)) {
            args.notApplicable(`${kind} is not a namespaced object`);
        } else {
            namespace = args.props.metadata.namespace;
        }
        // Without a namespace the provider's own default applies, and without one there, "default".
        const providerNamespace = args.provider?.props.namespace;
        const effective = isNonEmptyString(namespace) ? namespace : isNonEmptyString(providerNamespace) ? providerNamespace : "default";
        if (effective === "default") {
            const how = isNonEmptyString(namespace) ? 'sets namespace "default"' : 'sets no namespace, so it lands in "default"';
            reportViolation(
                `${args.type} "${args.name}" ${how}. Fix: install it into the stack's namespace (observability:namespace, ` +
                    "passed as `namespace` to chartRelease in components/helm.ts or as metadata.namespace).",
            );
        }
    },
};

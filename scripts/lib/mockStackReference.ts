// What the engine answers for a StackReference, for programs run under Pulumi mocks (tests, the offline
// policy check, the bench): the builtin provider's readStackReference (pulumi pkg/resource/deploy/builtins.go)
// returns the referenced stack's `outputs` and the names of the secret ones. The program reads its own
// stack's last deployment (components/grafana/alerting/contactPointFingerprints.ts).
import type * as pulumi from "@pulumi/pulumi";
import { SELF_MANAGED_ORGANIZATION } from "../../components/grafana/alerting/contactPointFingerprints";

export const STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference";
/** The organization the mocks run under: a self-managed backend's. */
export const MOCK_ORGANIZATION = SELF_MANAGED_ORGANIZATION;

export interface LastDeployment {
    outputs: Record<string, unknown>;
    secretOutputNames: string[];
}
export const NEVER_DEPLOYED: LastDeployment = { outputs: {}, secretOutputNames: [] };

/** A mocked resource's state: its inputs, and for a StackReference the stack's last deployment (none by default). */
export function mockedState(
    args: pulumi.runtime.MockResourceArgs,
    lastDeployment: (stack: string) => LastDeployment | undefined = () => undefined,
): Record<string, unknown> {
    if (args.type !== STACK_REFERENCE_TYPE) return { ...args.inputs };
    return { ...args.inputs, ...(lastDeployment(args.inputs.name) ?? NEVER_DEPLOYED) };
}

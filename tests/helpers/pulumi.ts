// Pulumi mocks for the whole test process. Imported first by every test file: mocks and config must
// exist before any resource is constructed, and they are process-wide, so they are set exactly once.
import * as pulumi from "@pulumi/pulumi";

import { type LastDeployment, MOCK_ORGANIZATION, mockedState, STACK_REFERENCE_TYPE } from "../../scripts/lib/mockStackReference";
import { PROJECT, SECRET_SIG, unwrapSecrets } from "../../scripts/lib/stackFile";

export { PROJECT, SECRET_SIG, unwrapSecrets };
export const STACK = "dev";

export interface RecordedResource {
    type: string;
    name: string;
    /** Inputs as the engine would receive them; secrets stay wrapped in SECRET_SIG objects. */
    inputs: Record<string, any>;
    /** Reference (`urn::id`) of the explicit provider the resource uses, if any. */
    provider?: string;
}

const recorded: RecordedResource[] = [];

/** Secret config of the `dev` program run by tests/engines/program.test.ts. */
export const DEV_SECRETS = { slackToken: "xoxb-test-slack-token-7f3a", smtpPassword: "smtp-test-password-91c2" };

pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(DEV_SECRETS).map(([key, value]) => [`${PROJECT}:${key}`, value])),
    Object.keys(DEV_SECRETS).map((key) => `${PROJECT}:${key}`),
);

/** What a StackReference to each stack reads, by stack name: that stack's last deployment. None by default. */
export const lastDeployments = new Map<string, LastDeployment>();

/**
 * State a provider reports for a resource, by resource name, over what it was sent: e.g. a contact point
 * that a targeted `pulumi up` left alone still holds its old settings.
 */
export const providerStates = new Map<string, Record<string, unknown>>();

/** Outputs the mocked engine adds to a resource's state, as the real provider would. */
function outputsFor(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
    const inputs = unwrapSecrets(args.inputs) as Record<string, any>;
    switch (args.type) {
        case STACK_REFERENCE_TYPE:
            return mockedState(args, (stack) => lastDeployments.get(stack));
        case "random:index/randomPassword:RandomPassword":
            return { result: "p".repeat(inputs.length ?? 16) };
        case "grafana:oss/serviceAccountToken:ServiceAccountToken":
            return { key: `glsa_mock_${args.name}` };
        case "grafana:oss/dashboard:Dashboard":
            return { url: `http://grafana.mock/d/${JSON.parse(inputs.configJson ?? "{}").uid ?? args.name}` };
        case "grafana:oss/folder:Folder":
            return { url: `http://grafana.mock/dashboards/f/${inputs.uid ?? args.name}` };
        default:
            return {};
    }
}

pulumi.runtime.setMocks(
    {
        newResource(args) {
            recorded.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
            return { id: `${args.name}-id`, state: { ...args.inputs, ...outputsFor(args), ...providerStates.get(args.name) } };
        },
        call: (args) => args.inputs,
    },
    PROJECT,
    STACK,
    false,
    MOCK_ORGANIZATION,
);

/** Resolves an Output's value (outputs of mocked resources resolve once registered). */
export function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) =>
        output.apply((value) => {
            resolve(value);
            return value;
        }),
    );
}

/** Whether Pulumi marks the output secret (encrypted in state, masked in logs and `pulumi stack output`). */
export function isSecret<T>(output: pulumi.Output<T>): Promise<boolean> {
    return pulumi.isSecret(output);
}

/** Waits until resource registration has gone quiet, so every child of a component is recorded. */
export async function settle(): Promise<void> {
    let quietRounds = 0;
    let last = -1;
    while (quietRounds < 5) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        quietRounds = recorded.length === last ? quietRounds + 1 : 0;
        last = recorded.length;
    }
}

/** Runs `build`, waits for registration to settle, and returns the resources it registered. */
export async function captureResources(build: () => unknown): Promise<RecordedResource[]> {
    const start = recorded.length;
    build();
    await settle();
    return recorded.slice(start);
}

export function allRecorded(): readonly RecordedResource[] {
    return recorded;
}

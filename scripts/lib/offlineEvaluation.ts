// Evaluates the program for one stack as `pulumi preview` would, with no engine, cluster, credentials or
// network: Pulumi mocks stand in for the engine and the providers. Every resource registration is recorded
// as the engine would receive it (the SDK's RegisterResourceRequest), because the mocks' own callback
// does not see the options policies check: `protect`, the parent, dependencies.
import * as pulumi from "@pulumi/pulumi";
import type { RegisterResourceRequest, RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb";
import { MOCK_ORGANIZATION, mockedState } from "./mockStackReference";
import { offlineConfig, PROJECT, stackFileSecretKeys } from "./stackFile";

/** What the mocked providers return for values a real provider generates (never a real secret). */
const GENERATED_PASSWORD = "generated-password-placeholder";
const GENERATED_TOKEN = "glsa_generated_token_placeholder";

export interface Registration {
    type: string;
    name: string;
    /** The engine's URN: the parent's whole type chain (the mocks' URNs keep only the parent's own type). */
    urn: string;
    custom: boolean;
    /** Engine URN of the parent; none for the top-level resources (the engine's root stack is their parent). */
    parent?: string;
    protect: boolean;
    /** Engine URN of the explicit provider, when the resource names one. */
    provider?: string;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    /** Inputs as the mocks receive them: secrets stay wrapped in SECRET_SIG objects. */
    inputs: Record<string, any>;
    /** Inputs as the SDK sends them to the engine, which forwards them to the analyzer. */
    serializedInputs: Record<string, unknown>;
    ignoreChanges: string[];
    deleteBeforeReplace?: boolean;
    additionalSecretOutputs: string[];
    aliases: string[];
}

export interface EvaluationOptions {
    /** Secret config values to evaluate with (RENDER_SECRETS); never written or printed. */
    secretValues: Record<string, string>;
    /** A placeholder for each secret neither given nor encrypted in the stack file, instead of refusing as preview would. */
    placeholderSecrets: boolean;
}

export interface OfflineEvaluation {
    /** In the order the program registered them, which is the order the engine analyzes them. */
    registrations: Registration[];
    /** Every secret value the evaluation knows (config secrets, generated password and token): mask them in any output. */
    knownSecrets: string[];
    /** Secret keys that got a placeholder although the stack file lacks them (pulumi preview would refuse). */
    placeholdersForMissingSecrets: string[];
}

type RegisterCallback = (error: Error | null, response?: RegisterResourceResponse) => void;
interface MonitorWithRegister {
    registerResource(request: RegisterResourceRequest, callback: RegisterCallback): unknown;
}

/** `urn:pulumi:<stack>::<project>::<parent's qualified type>$<type>::<name>`, as the engine names resources. */
function engineUrn(stack: string, type: string, name: string, parentUrn: string | undefined): string {
    const qualifiedType = parentUrn ? `${parentUrn.split("::")[2]}$${type}` : type;
    return `urn:pulumi:${stack}::${PROJECT}::${qualifiedType}::${name}`;
}

function propertyDependencies(request: RegisterResourceRequest, translate: (mockUrn: string) => string): Record<string, string[]> {
    const dependencies: Record<string, string[]> = {};
    request.getPropertydependenciesMap().forEach((value, key) => {
        dependencies[key] = value.getUrnsList().map(translate);
    });
    return dependencies;
}

/**
 * Wraps the mock monitor's registerResource so each request is recorded when it arrives (the order the
 * program registers in) and its mock URN is mapped to the engine's URN when the response returns (before
 * the SDK resolves the URN, so children and dependents always find their parent's and dependencies' URNs).
 */
function recordRegistrations(stack: string, registrations: Registration[]): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as MonitorWithRegister;
    const register = monitor.registerResource.bind(monitor);
    const engineUrnOf = new Map<string, string>();
    const protectOf = new Map<string, boolean>();
    const translate = (mockUrn: string) => engineUrnOf.get(mockUrn) ?? mockUrn;
    monitor.registerResource = (request, callback) => {
        const parent = request.getParent() ? translate(request.getParent()) : undefined;
        const urn = engineUrn(stack, request.getType(), request.getName(), parent);
        // The SDK sends `protect` only when set (a child inherits its parent's); unset, the engine inherits it.
        const protect = request.hasProtect() ? request.getProtect() === true : parent ? (protectOf.get(parent) ?? false) : false;
        protectOf.set(urn, protect);
        const providerReference = request.getProvider();
        const object = request.getObject();
        registrations.push({
            type: request.getType(),
            name: request.getName(),
            urn,
            custom: request.getCustom(),
            parent,
            protect,
            // A provider reference is `<provider urn>::<id>`.
            provider: providerReference ? translate(providerReference.split("::").slice(0, -1).join("::")) : undefined,
            dependencies: request.getDependenciesList().map(translate),
            propertyDependencies: propertyDependencies(request, translate),
            inputs: object ? pulumi.runtime.deserializeProperties(object) : {},
            serializedInputs: (object?.toJavaScript() ?? {}) as Record<string, unknown>,
            ignoreChanges: request.getIgnorechangesList(),
            deleteBeforeReplace: request.getDeletebeforereplacedefined() ? request.getDeletebeforereplace() : undefined,
            additionalSecretOutputs: request.getAdditionalsecretoutputsList(),
            aliases: request.getAliasurnsList(),
        });
        return register(request, (error, response) => {
            if (!error && response) engineUrnOf.set(response.getUrn(), urn);
            callback(error, response);
        });
    };
}

/** Sets the stack's config and the mocks, runs the program (index.ts) and waits until it has registered everything. */
export async function evaluateOffline(stack: string, options: EvaluationOptions): Promise<OfflineEvaluation> {
    // As `pulumi preview` would: a secret neither encrypted in the stack file nor given is missing, unless asked.
    const offline = offlineConfig(stack, {}, options.secretValues, { missingSecrets: options.placeholderSecrets ? "placeholder" : "absent" });
    pulumi.runtime.setAllConfig(offline.config, offline.secretKeys);
    pulumi.runtime.setMocks(
        {
            newResource(args) {
                const state = mockedState(args); // offline, the stack was never deployed
                if (args.type === "random:index/randomPassword:RandomPassword") state.result = GENERATED_PASSWORD;
                if (args.type === "grafana:oss/serviceAccountToken:ServiceAccountToken") state.key = GENERATED_TOKEN;
                return { id: `${args.name}-id`, state };
            },
            call: (args) => args.inputs,
        },
        PROJECT,
        stack,
        false,
        MOCK_ORGANIZATION,
    );
    const registrations: Registration[] = [];
    recordRegistrations(stack, registrations);

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../../index");
    await settled(() => registrations.length);
    const encrypted = stackFileSecretKeys(stack);
    return {
        registrations,
        knownSecrets: [...offline.secrets, GENERATED_PASSWORD, GENERATED_TOKEN],
        placeholdersForMissingSecrets: offline.placeholders.filter((key) => !encrypted.includes(key)),
    };
}

/** Resolves once no resource has been registered for a while (outputs resolve asynchronously). */
async function settled(count: () => number): Promise<void> {
    let last = -1;
    while (count() !== last) {
        last = count();
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

// Runs the policy pack on a program evaluation as `pulumi preview --policy-pack policy` does: Configure with
// the pack's levels and schema defaults under the --policy-pack-config file, ConfigureStack, Analyze on every
// registered resource (components and explicit providers too, as the engine does), then AnalyzeStack once on
// the whole stack. Levels, "disabled" and config are applied by the pack itself, exactly as under the engine.
import type { AnalyzeResponse, AnalyzerInfo } from "@pulumi/pulumi/proto/analyzer_pb";
import { PolicyType } from "@pulumi/pulumi/proto/analyzer_pb";
import type { Registration } from "./offlineEvaluation";
import { type AnalyzedResource, configuredLevel, levelName, type RunningPack } from "./policyPack";
import { PROJECT, projectFile } from "./stackFile";

export interface Violation {
    policy: string;
    level: string;
    /** The resource the violation is about; the root stack's URN when a stack policy names none (as the engine does). */
    urn: string;
    /** The policy's description, then what is wrong and the fix. */
    message: string;
}

export interface PolicyCheck {
    pack: { name: string; version: string };
    policies: Array<{ name: string; level: string; kind: "resource" | "stack" }>;
    resourcesChecked: number;
    violations: Violation[];
    /** Policies every resource (or the stack) reported "not applicable" to: on this stack they check nothing. */
    neverApplicable: string[];
}

/** The engine's root stack resource, which the mocks do not register. */
export const rootStackUrn = (stack: string) => `urn:pulumi:${stack}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${stack}`;

/**
 * The registrations as the analyzer receives them. A stack policy reads a resource's outputs; in a preview of
 * resources not yet created those are the inputs (the provider's computed values are unknown), so both use inputs.
 */
export function analyzedResources(registrations: readonly Registration[]): AnalyzedResource[] {
    const byUrn = new Map(registrations.map((registration) => [registration.urn, registration]));
    return registrations.map((registration) => {
        const provider = registration.provider ? byUrn.get(registration.provider) : undefined;
        return {
            type: registration.type,
            name: registration.name,
            urn: registration.urn,
            props: registration.serializedInputs,
            protect: registration.protect,
            parent: registration.parent,
            dependencies: registration.dependencies,
            propertyDependencies: registration.propertyDependencies,
            ignoreChanges: registration.ignoreChanges,
            deleteBeforeReplace: registration.deleteBeforeReplace,
            additionalSecretOutputs: registration.additionalSecretOutputs,
            aliases: registration.aliases,
            provider: provider && { type: provider.type, name: provider.name, urn: provider.urn, props: provider.serializedInputs },
        };
    });
}

/** Each policy's level and the defaults of its config schema, as the CLI reconciles them before Configure. */
function packDefaults(info: AnalyzerInfo) {
    const levels: Record<string, string> = {};
    const properties: Record<string, Record<string, unknown>> = {};
    for (const policy of info.getPoliciesList()) {
        levels[policy.getName()] = levelName(policy.getEnforcementlevel());
        const schema = (policy.getConfigschema()?.getProperties()?.toJavaScript() ?? {}) as Record<string, { default?: unknown }>;
        properties[policy.getName()] = Object.fromEntries(
            Object.entries(schema)
                .filter(([, property]) => property.default !== undefined)
                .map(([key, property]) => [key, property.default]),
        );
    }
    return { levels, properties };
}

/** Refuses a config file naming a policy the pack lacks: a misspelt name would silently configure nothing. */
function assertKnownPolicies(configFile: Record<string, unknown>, info: AnalyzerInfo, configPath: string): void {
    const names = new Set(info.getPoliciesList().map((policy) => policy.getName()));
    const unknown = Object.keys(configFile).filter((name) => name !== "all" && !names.has(name));
    if (unknown.length > 0) {
        throw new Error(
            `${configPath}: ${unknown.map((name) => `"${name}"`).join(", ")} ${unknown.length === 1 ? "is not a policy" : "are not policies"} ` +
                `of ${info.getName()} (its policies: ${[...names].join(", ")})`,
        );
    }
}

/** The tags the CLI derives from Pulumi.yaml; tags set with `pulumi stack tag set` live in the backend, out of reach offline. */
function projectTags(): Record<string, string> {
    const project = projectFile();
    const runtime = typeof project.runtime === "string" ? project.runtime : project.runtime.name;
    return { "pulumi:project": project.name, "pulumi:runtime": runtime, ...(project.description ? { "pulumi:description": project.description } : {}) };
}

function violationsOf(response: AnalyzeResponse, urn: string): Violation[] {
    return response.getDiagnosticsList().map((diagnostic) => ({
        policy: diagnostic.getPolicyname(),
        level: levelName(diagnostic.getEnforcementlevel()),
        urn: diagnostic.getUrn() || urn,
        message: diagnostic.getMessage(),
    }));
}

export async function checkPolicies(
    pack: RunningPack,
    stack: string,
    registrations: readonly Registration[],
    config: { file: Record<string, unknown>; path: string } | undefined,
): Promise<PolicyCheck> {
    const info = await pack.info();
    if (config) assertKnownPolicies(config.file, info, config.path);
    const file = config?.file ?? {};
    const defaults = packDefaults(info);
    // Configured even without a file, as the CLI does: the pack's own levels and the schemas' defaults.
    await pack.configure(file, defaults.levels, defaults.properties);
    await pack.configureStack({ stack, project: PROJECT, tags: projectTags() });

    const resources = analyzedResources(registrations);
    // The pack serves calls one at a time; sending them together saves the round trips.
    const responses = await Promise.all(resources.map((resource) => pack.analyze(resource)));
    const stackResponse = await pack.analyzeStack(resources);

    const violations = [
        ...responses.flatMap((response, index) => violationsOf(response, resources[index].urn)),
        ...violationsOf(stackResponse, rootStackUrn(stack)),
    ];
    const notApplicableCount = new Map<string, number>();
    for (const response of responses) {
        for (const name of new Set(response.getNotApplicableList().map((entry) => entry.getPolicyName()))) {
            notApplicableCount.set(name, (notApplicableCount.get(name) ?? 0) + 1);
        }
    }
    const stackNotApplicable = new Set(stackResponse.getNotApplicableList().map((entry) => entry.getPolicyName()));
    const policies = info.getPoliciesList().map((policy) => ({
        name: policy.getName(),
        level: configuredLevel(file, policy.getName(), defaults.levels[policy.getName()]),
        kind: policy.getPolicyType() === PolicyType.POLICY_TYPE_STACK ? ("stack" as const) : ("resource" as const),
    }));
    const neverApplicable = policies
        .filter(
            (policy) =>
                policy.level !== "disabled" &&
                (policy.kind === "stack" ? stackNotApplicable.has(policy.name) : notApplicableCount.get(policy.name) === resources.length),
        )
        .map((policy) => policy.name);
    return { pack: { name: info.getName(), version: info.getVersion() }, policies, resourcesChecked: resources.length, violations, neverApplicable };
}

// Runs the policy pack's policies in-process on resources the program registers under mocks, with the
// arguments the Pulumi analyzer would pass: secrets unwrapped, unknown-checking props, the URN of the
// stack under test, the `protect` option, a getConfig that returns the policy's config, and a
// notApplicable that throws (the analyzer catches it and records "not applicable").

import {
    type Policy,
    type PolicyResource,
    type PolicyResourceOptions,
    type ResourceValidationArgs,
    type ResourceValidationPolicy,
    type StackValidationArgs,
    type StackValidationPolicy,
    unknownCheckingProxy,
} from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import { captureResources, PROJECT, unwrapSecrets } from "./pulumi";

/** A custom resource as the analyzer sees it. */
export interface PolicySubject {
    type: string;
    name: string;
    urn: string;
    /** Inputs with secrets unwrapped, as the analyzer deserializes them. */
    props: Record<string, any>;
    opts: PolicyResourceOptions;
    provider?: { type: string; name: string; urn: string; props: Record<string, any> };
}

/** Resource internals the mock monitor does not receive but the engine does (parent chain, `protect`). */
interface ResourceInternals {
    __pulumiType: string;
    __name: string;
    __protect?: boolean;
    __parentResource?: ResourceInternals;
    __childResources?: Set<ResourceInternals>;
}

function qualifiedType(resource: ResourceInternals): string {
    const parents: string[] = [];
    for (let parent = resource.__parentResource; parent; parent = parent.__parentResource) parents.unshift(parent.__pulumiType);
    return [...parents, resource.__pulumiType].join("$");
}

/**
 * Builds `build()`'s resource tree under the mocks and returns its custom resources (providers too),
 * addressed as resources of `stack` (the URN's stack is what production-only policies look at).
 */
export async function captureSubjects(stack: string, build: () => pulumi.Resource): Promise<PolicySubject[]> {
    let root: pulumi.Resource | undefined;
    const recorded = await captureResources(() => {
        root = build();
    });
    const inputs = new Map(recorded.map((r) => [`${r.type}::${r.name}`, r]));
    const subjects: PolicySubject[] = [];
    const urnOf = (resource: ResourceInternals) => `urn:pulumi:${stack}::${PROJECT}::${qualifiedType(resource)}::${resource.__name}`;
    const visit = (resource: ResourceInternals) => {
        const registered = inputs.get(`${resource.__pulumiType}::${resource.__name}`);
        if (registered && pulumi.CustomResource.isInstance(resource)) {
            subjects.push({
                type: registered.type,
                name: registered.name,
                urn: urnOf(resource),
                props: unwrapSecrets(registered.inputs) as Record<string, any>,
                opts: {
                    protect: resource.__protect === true,
                    ignoreChanges: [],
                    aliases: [],
                    additionalSecretOutputs: [],
                    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
                    parent: resource.__parentResource ? urnOf(resource.__parentResource) : undefined,
                },
                provider: registered.provider ? providerOf(registered.provider, stack, inputs) : undefined,
            });
        }
        for (const child of resource.__childResources ?? []) visit(child);
    };
    visit(root as unknown as ResourceInternals);
    return subjects;
}

/** The explicit provider (reference `urn::id`) with its inputs. */
function providerOf(reference: string, stack: string, inputs: Map<string, { inputs: Record<string, any> }>): PolicySubject["provider"] {
    const urn = reference.split("::").slice(0, -1).join("::");
    const parts = urn.split("::");
    const type = parts[2].split("$").pop()!;
    const name = parts[3];
    return {
        type,
        name,
        urn: urn.replace(/^urn:pulumi:[^:]*::/, `urn:pulumi:${stack}::`),
        props: unwrapSecrets(inputs.get(`${type}::${name}`)?.inputs ?? {}) as Record<string, any>,
    };
}

export interface RunOptions {
    /** The policy's config, as `pulumi preview --policy-pack-config` would set it. */
    config?: Record<string, unknown>;
    stackTags?: Record<string, string>;
}

export interface Verdict {
    applicable: boolean;
    notApplicableReason?: string;
    violations: Array<{ message: string; urn?: string }>;
}

class NotApplicable extends Error {}

function common(options: RunOptions) {
    return {
        stackTags: new Map(Object.entries(options.stackTags ?? {})) as ReadonlyMap<string, string>,
        getConfig: <T extends object>() => (options.config ?? {}) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
}

const isTypeOf = (type: string) => (resourceClass: unknown) => (resourceClass as { __pulumiType?: string }).__pulumiType === type;

export function resourceArgs(subject: PolicySubject, options: RunOptions = {}): ResourceValidationArgs {
    const props = unknownCheckingProxy(subject.props);
    const isType = isTypeOf(subject.type);
    return {
        type: subject.type,
        name: subject.name,
        urn: subject.urn,
        props,
        opts: subject.opts,
        provider: subject.provider,
        isType,
        asType: ((resourceClass: unknown) => (isType(resourceClass) ? props : undefined)) as ResourceValidationArgs["asType"],
        ...common(options),
    };
}

function policyResource(subject: PolicySubject): PolicyResource {
    const props = unknownCheckingProxy(subject.props);
    const isType = isTypeOf(subject.type);
    return {
        type: subject.type,
        name: subject.name,
        urn: subject.urn,
        props,
        opts: subject.opts,
        provider: subject.provider,
        dependencies: [],
        propertyDependencies: {},
        isType,
        asType: ((resourceClass: unknown) => (isType(resourceClass) ? props : undefined)) as PolicyResource["asType"],
    };
}

async function verdict(run: (report: (message: string, urn?: string) => void) => Promise<void> | void): Promise<Verdict> {
    const violations: Verdict["violations"] = [];
    try {
        await run((message, urn) => violations.push({ message, urn }));
    } catch (error) {
        if (error instanceof NotApplicable) return { applicable: false, notApplicableReason: error.message, violations };
        throw error;
    }
    return { applicable: true, violations };
}

export function isStackPolicy(policy: Policy): policy is StackValidationPolicy {
    return typeof (policy as StackValidationPolicy).validateStack === "function";
}

/** Runs a resource policy's validations on one resource. */
export function checkResource(policy: ResourceValidationPolicy, subject: PolicySubject, options: RunOptions = {}): Promise<Verdict> {
    const validations = [policy.validateResource ?? []].flat();
    return verdict(async (report) => {
        for (const validate of validations) await validate(resourceArgs(subject, options), report);
    });
}

/** Runs a stack policy on a stack made of `subjects`. */
export function checkStack(policy: StackValidationPolicy, subjects: readonly PolicySubject[], options: RunOptions = {}): Promise<Verdict> {
    const args: StackValidationArgs = { resources: subjects.map(policyResource), ...common(options) };
    return verdict((report) => policy.validateStack(args, report));
}

/** A deep copy to mutate into a violation, leaving the captured resource intact. */
export function mutated(subject: PolicySubject, change: (props: Record<string, any>, opts: PolicyResourceOptions) => void): PolicySubject {
    const copy: PolicySubject = structuredClone(subject);
    change(copy.props, copy.opts);
    return copy;
}

/** Every violation `policy` reports over a whole stack. */
export async function stackViolations(policy: ResourceValidationPolicy | StackValidationPolicy, subjects: PolicySubject[], options?: RunOptions) {
    if (isStackPolicy(policy)) {
        const verdict = await checkStack(policy, subjects, options);
        return { applicable: verdict.applicable ? 1 : 0, violations: verdict.violations };
    }
    let applicable = 0;
    const violations: Verdict["violations"] = [];
    for (const subject of subjects) {
        const verdict = await checkResource(policy, subject, options);
        if (verdict.applicable) applicable += 1;
        violations.push(...verdict.violations.map((v) => ({ ...v, urn: subject.urn })));
    }
    return { applicable, violations };
}

export function assertViolation(verdict: Verdict, pattern: RegExp): void {
    assert.ok(verdict.applicable, `not applicable: ${verdict.notApplicableReason}`);
    assert.ok(
        verdict.violations.some((v) => pattern.test(v.message)),
        `no violation matching ${pattern}: ${JSON.stringify(verdict.violations)}`,
    );
    for (const { message } of verdict.violations) assert.match(message, /Fix: /, `violation without a remediation: ${message}`);
}
export function assertPasses(verdict: Verdict): void {
    assert.ok(verdict.applicable, `not applicable: ${verdict.notApplicableReason}`);
    assert.deepStrictEqual(verdict.violations, []);
}

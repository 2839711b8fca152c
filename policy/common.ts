// What every policy of the pack shares: resource type tokens, how a stack is recognised as production,
// and walking Helm values. The pack imports nothing from the program (it can be published on its own)
// and no provider SDK: it matches type tokens, so it loads fast and outlives SDK upgrades.
import type { PolicyConfigSchema, PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { isObject } from "../components/chartValues";

export { isNonEmptyString, isObject, isTruthy, valueAt } from "../components/chartValues";

/** Type tokens, as `static __pulumiType` in each SDK's generated class. */
export const TYPES = {
    helmRelease: "kubernetes:helm.sh/v3:Release",
    helmChartV4: "kubernetes:helm.sh/v4:Chart",
    namespace: "kubernetes:core/v1:Namespace",
    persistentVolumeClaim: "kubernetes:core/v1:PersistentVolumeClaim",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    dataSource: "grafana:oss/dataSource:DataSource",
    ruleGroup: "grafana:alerting/ruleGroup:RuleGroup",
    notificationPolicy: "grafana:alerting/notificationPolicy:NotificationPolicy",
    contactPoint: "grafana:alerting/contactPoint:ContactPoint",
} as const;

/** Stacks treated as production unless the policy's `productionStacks` config says otherwise. */
export const DEFAULT_PRODUCTION_STACKS = ["production"];
/** A stack tagged `environment=production` (`pulumi stack tag set environment production`) is production too. */
export const ENVIRONMENT_TAG = "environment";

export interface ProductionConfig {
    /** Names of the stacks held to the production guardrails. */
    productionStacks?: string[];
}

export const productionConfigSchema: PolicyConfigSchema = {
    properties: {
        productionStacks: {
            type: "array",
            items: { type: "string" },
            default: DEFAULT_PRODUCTION_STACKS,
            description: "Stack names held to the production guardrails (a stack tagged environment=production always is).",
        },
    },
};

/** The stack a URN belongs to: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function stackOfUrn(urn: string): string {
    return urn.split("::")[0].split(":").slice(2).join(":");
}

type EnvironmentArgs = Pick<ResourceValidationArgs, "getConfig" | "stackTags">;

/** Production is a property of the stack, so a policy cannot be dodged by editing a preset. */
export function isProductionStack(urn: string, args: EnvironmentArgs): boolean {
    const stacks = args.getConfig<ProductionConfig>().productionStacks ?? DEFAULT_PRODUCTION_STACKS;
    return stacks.includes(stackOfUrn(urn)) || args.stackTags.get(ENVIRONMENT_TAG) === "production";
}

/** Stops a production-only policy on any other stack (reported as "not applicable", not as a pass). */
export function requireProduction(urn: string, args: EnvironmentArgs & Pick<ResourceValidationArgs, "notApplicable">): void {
    if (!isProductionStack(urn, args)) {
        args.notApplicable(
            `applies to production stacks only (${stackOfUrn(urn)} is not one: policy config productionStacks or stack tag ${ENVIRONMENT_TAG}=production)`,
        );
    }
}

export function requireProductionStack(resources: readonly PolicyResource[], args: StackValidationArgs): void {
    if (resources.length === 0) args.notApplicable("the stack has no resources");
    requireProduction(resources[0].urn, args);
}

// ---- Helm releases ----

/** What a policy needs of a Helm release's inputs. */
export interface HelmRelease {
    name?: string;
    chart?: string;
    version?: string;
    namespace?: string;
    values?: Record<string, unknown>;
}

/** The release's inputs, or "not applicable" for any other resource. */
export function helmRelease(args: ResourceValidationArgs): HelmRelease {
    if (args.type !== TYPES.helmRelease) args.notApplicable(`applies to ${TYPES.helmRelease} only`);
    return args.props as HelmRelease;
}

export function describeRelease(release: HelmRelease, resourceName: string): string {
    return `Helm release "${release.name ?? resourceName}" (chart ${release.chart ?? "?"})`;
}

export type ValuePath = ReadonlyArray<string | number>;

/** `values.prometheus.ingress`, `values["grafana.ini"]["auth.anonymous"]`, `values.hosts[0]`. */
export function formatPath(path: ValuePath, root = "values"): string {
    return (
        root +
        path.map((part) => (typeof part === "number" ? `[${part}]` : /^[A-Za-z_$][\w$-]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`)).join("")
    );
}

/** A chart's way of saying "this part is off": everything below it renders nothing. */
export const isDisabled = (value: unknown): boolean => isObject(value) && (value.enabled === false || value.enabled === "false");

export interface ValueVisit {
    path: ValuePath;
    /** The key (or index) the value sits at. */
    key: string | number | undefined;
    value: unknown;
}

/**
 * Every value below `root`, depth first. `descend` decides whether to look inside an object or array
 * (the default skips parts a chart switches off with `enabled: false`).
 */
export function* walkValues(root: unknown, descend: (visit: ValueVisit) => boolean = (visit) => !isDisabled(visit.value)): Generator<ValueVisit> {
    function* walk(value: unknown, path: ValuePath, key: string | number | undefined): Generator<ValueVisit> {
        const visit = { path, key, value };
        yield visit;
        if (typeof value !== "object" || value === null || !descend(visit)) return;
        const entries: Array<[string | number, unknown]> = Array.isArray(value)
            ? value.map((item, index): [number, unknown] => [index, item])
            : Object.entries(value);
        for (const [childKey, child] of entries) yield* walk(child, [...path, childKey], childKey);
    }
    yield* walk(root, [], undefined);
}

export const isFalse = (value: unknown): boolean => value === false || (typeof value === "string" && value.trim().toLowerCase() === "false");

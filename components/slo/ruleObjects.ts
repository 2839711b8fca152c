// Which PrometheusRule objects hold the services' SLO recording rules: as few as fit well under the
// Kubernetes API's object limit, each service still its own rule group, and names that stay put as
// services come and go.
//
// A service's group goes to bucket `hash(namespace/name) mod N`, N the smallest power of two for which
// every bucket stays within the byte budget. Adding or removing a service rewrites one object, its
// bucket's; when a bucket outgrows the budget N doubles, and each bucket i splits into i and i + N, so
// the existing objects keep their names and lose about half their groups to new ones. Cutting the
// services' sorted list into chunks instead would shift every later chunk's boundary on each insertion.
import { createHash } from "crypto";
import { type RecordingRuleGroup, type ServiceSlo, serviceRuleGroup, sharedRuleGroup } from "./recordingRules";

/** etcd refuses objects over 1.5 MiB; a third of it leaves room for metadata, annotations and growth. */
export const RULE_OBJECT_BUDGET_BYTES = 512 * 1024;

/** Name of the PrometheusRule of bucket `bucket`. */
export const ruleObjectName = (bucket: number) => `slo-recording-rules-${bucket}`;

/** A recording rule group as the PrometheusRule CRD writes it. */
export function prometheusRuleGroup(group: RecordingRuleGroup) {
    return {
        name: group.name,
        ...(group.interval ? { interval: group.interval } : {}),
        rules: group.rules.map((rule) => ({ record: rule.record, expr: rule.expr, ...(Object.keys(rule.labels).length > 0 ? { labels: rule.labels } : {}) })),
    };
}

export type PrometheusRuleGroup = ReturnType<typeof prometheusRuleGroup>;

export interface RuleObject {
    name: string;
    groups: PrometheusRuleGroup[];
    /** Bytes of the groups serialized as JSON, what the budget counts. */
    bytes: number;
}

export interface KeyedRuleGroup {
    /** What the bucket is hashed from: the service's namespace/name, unique per service; the shared group's name. */
    key: string;
    group: RecordingRuleGroup;
}

const hash32 = (key: string) => createHash("sha256").update(key).digest().readUInt32BE(0);

/** The service groups in as few buckets (a power of two) as keep every object within `budgetBytes`. */
export function packRuleGroups(keyed: readonly KeyedRuleGroup[], budgetBytes = RULE_OBJECT_BUDGET_BYTES): RuleObject[] {
    const sized = keyed
        .map(({ key, group }) => {
            const serialized = prometheusRuleGroup(group);
            const bytes = Buffer.byteLength(JSON.stringify(serialized));
            if (bytes > budgetBytes)
                throw new Error(`the SLO recording rules of ${key} take ${bytes} bytes, more than a PrometheusRule's budget of ${budgetBytes}`);
            return { hash: hash32(key), serialized, bytes };
        })
        .sort((a, b) => a.serialized.name.localeCompare(b.serialized.name));
    if (sized.length === 0) return [];
    for (let buckets = 1; ; buckets *= 2) {
        const objects = Array.from({ length: buckets }, (_, bucket): RuleObject => ({ name: ruleObjectName(bucket), groups: [], bytes: 0 }));
        for (const { hash, serialized, bytes } of sized) {
            const object = objects[hash % buckets];
            object.groups.push(serialized);
            // The commas between groups in the serialized list.
            object.bytes += bytes + (object.groups.length > 1 ? 1 : 0);
        }
        if (objects.every((object) => object.bytes <= budgetBytes)) return objects.filter((object) => object.groups.length > 0);
    }
}

/**
 * The PrometheusRules of the services' SLOs: each service's group, keyed by its namespace/name, and the
 * shared group, keyed by its name (which has no "/", so no service has its key).
 */
export function sloRuleObjects(services: readonly ServiceSlo[], budgetBytes = RULE_OBJECT_BUDGET_BYTES): RuleObject[] {
    if (services.length === 0) return [];
    const shared = sharedRuleGroup(services);
    return packRuleGroups(
        [
            ...services.map((service) => ({ key: `${service.namespace}/${service.name}`, group: serviceRuleGroup(service) })),
            { key: shared.name, group: shared },
        ],
        budgetBytes,
    );
}

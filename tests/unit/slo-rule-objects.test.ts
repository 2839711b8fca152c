import * as assert from "assert";
import { type ServiceSlo, sloRecordingRuleGroups } from "../../components/slo/recordingRules";
import { packRuleGroups, type RuleObject } from "../../components/slo/ruleObjects";

const service = (index: number): ServiceSlo => ({
    name: `service-${index}`,
    namespace: `team-${index % 10}`,
    team: `team-${index % 10}`,
    availabilityObjective: 99.9,
    latencyObjective: 95,
    latencyThresholdMs: 300,
});
const services = (count: number, from = 0) => Array.from({ length: count }, (_, index) => service(from + index));
const pack = (list: ServiceSlo[], budget?: number) => {
    const groups = sloRecordingRuleGroups(list);
    return packRuleGroups(
        list.map((s, index) => ({ key: `${s.namespace}/${s.name}`, group: groups[index] })),
        budget,
    );
};
const groupNames = (objects: RuleObject[]) => objects.flatMap((object) => object.groups.map((group) => group.name));
const byName = (objects: RuleObject[]) => new Map(objects.map((object) => [object.name, JSON.stringify(object.groups)]));

describe("SLO recording rules packed into PrometheusRules", () => {
    it("1,000 services: every object's groups serialize within 512 KiB, every service's group exactly once", () => {
        const list = services(1000);
        const objects = pack(list);
        for (const object of objects) {
            const measured = Buffer.byteLength(JSON.stringify(object.groups));
            assert.ok(measured <= 512 * 1024, `${object.name}: ${measured} bytes`);
        }
        assert.ok(objects.length > 1 && objects.length <= 32, `${objects.length} objects`);
        const names = groupNames(objects);
        assert.strictEqual(new Set(names).size, names.length, "a group in two objects");
        assert.deepStrictEqual(names.sort(), list.map((s) => `slo:${s.namespace}:${s.name}`).sort());
    });

    it("a few services share one object", () => {
        assert.deepStrictEqual(
            pack(services(3)).map((object) => object.name),
            ["slo-recording-rules-0"],
        );
        assert.deepStrictEqual(pack([]), []);
    });

    it("adding a service rewrites one object and renames none", () => {
        const list = services(1000);
        const before = byName(pack(list));
        const after = byName(pack([...list, service(5000)]));
        assert.deepStrictEqual(
            [...after.keys()].filter((name) => !before.has(name)),
            [],
        );
        const changed = [...after].filter(([name, groups]) => before.get(name) !== groups).map(([name]) => name);
        assert.strictEqual(changed.length, 1, `changed: ${changed.join(", ")}`);
    });

    it("when the budget needs more objects, the existing ones keep their names and each gives groups only to new ones", () => {
        const list = services(40);
        const groupBytes = Buffer.byteLength(JSON.stringify(pack(services(1))[0].groups));
        const few = pack(list, groupBytes * 30);
        const more = pack(list, groupBytes * 12);
        assert.ok(more.length > few.length, `${few.length} → ${more.length}`);
        const home = (objects: RuleObject[]) => new Map(objects.flatMap((object) => object.groups.map((group) => [group.name, object.name] as const)));
        const [was, now] = [home(few), home(more)];
        const moved = [...now].filter(([group, object]) => was.get(group) !== object);
        assert.ok(moved.length > 0 && moved.length < list.length);
        for (const [group, object] of moved) assert.ok(!few.some((o) => o.name === object), `${group} moved to the existing ${object}`);
    });

    it("orders groups and objects the same way whatever the services' order", () => {
        const list = services(300);
        assert.deepStrictEqual(pack([...list].reverse()), pack(list));
    });

    it("refuses a service whose rules alone exceed the budget, naming it", () => {
        assert.throws(() => pack(services(1), 100), /team-0\/service-0 take \d+ bytes, more than a PrometheusRule's budget of 100/);
    });
});

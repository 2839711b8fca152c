import * as assert from "assert";
import { type ServiceSlo, SHARED_GROUP_NAME } from "../../components/slo/recordingRules";
import { type RuleObject, sloRuleObjects } from "../../components/slo/ruleObjects";

const service = (index: number): ServiceSlo => ({
    name: `service-${index}`,
    namespace: `team-${index % 10}`,
    team: `team-${index % 10}`,
    availabilityObjective: 99.9,
    latencyObjective: 95,
    latencyThresholdMs: 300,
});
const services = (count: number, from = 0) => Array.from({ length: count }, (_, index) => service(from + index));
const pack = (list: ServiceSlo[], budget?: number) => sloRuleObjects(list, budget);
const groupNames = (objects: RuleObject[]) => objects.flatMap((object) => object.groups.map((group) => group.name));
const byName = (objects: RuleObject[]) => new Map(objects.map((object) => [object.name, JSON.stringify(object.groups)]));

describe("SLO recording rules packed into PrometheusRules", () => {
    it("1,000 services fit in one object within 512 KiB: each service's group and the shared SLI group exactly once", () => {
        const list = services(1000);
        const objects = pack(list);
        assert.strictEqual(objects.length, 1);
        const measured = Buffer.byteLength(JSON.stringify(objects[0].groups));
        assert.ok(measured <= 512 * 1024, `${objects[0].name}: ${measured} bytes`);
        const names = groupNames(objects);
        assert.deepStrictEqual(names.sort(), [...list.map((s) => `slo:${s.namespace}:${s.name}`), SHARED_GROUP_NAME].sort());
    });

    it("10,000 services: every object's groups serialize within 512 KiB, every group exactly once", () => {
        const list = services(10_000);
        const objects = pack(list);
        for (const object of objects) {
            const measured = Buffer.byteLength(JSON.stringify(object.groups));
            assert.ok(measured <= 512 * 1024, `${object.name}: ${measured} bytes`);
        }
        assert.ok(objects.length > 1 && objects.length <= 32, `${objects.length} objects`);
        const names = groupNames(objects);
        assert.strictEqual(new Set(names).size, names.length, "a group in two objects");
        assert.strictEqual(names.length, list.length + 1);
    });

    it("a few services share one object", () => {
        assert.deepStrictEqual(
            pack(services(3)).map((object) => object.name),
            ["slo-recording-rules-0"],
        );
        assert.deepStrictEqual(pack([]), []);
    });

    it("adding a service rewrites one object and renames none; in a new namespace, the shared group's object too", () => {
        // A smaller budget than the real one: several objects from fewer services.
        const budget = 64 * 1024;
        const list = services(1000);
        const objects = pack(list, budget);
        assert.ok(objects.length > 2, `${objects.length} objects`);
        const before = byName(objects);
        const changedBy = (added: ServiceSlo) => {
            const after = byName(pack([...list, added], budget));
            assert.deepStrictEqual(
                [...after.keys()].filter((name) => !before.has(name)),
                [],
            );
            return [...after].filter(([name, groups]) => before.get(name) !== groups).map(([name]) => name);
        };
        const sharedHome = objects.find((object) => object.groups.some((group) => group.name === SHARED_GROUP_NAME))!.name;
        // service(50_000) is in namespace team-0, which already has services.
        const sameNamespace = changedBy(service(50_000));
        assert.strictEqual(sameNamespace.length, 1, `changed: ${sameNamespace.join(", ")}`);
        const newNamespace = changedBy({ ...service(50_000), namespace: "elsewhere" });
        assert.ok(newNamespace.includes(sharedHome) && newNamespace.length <= 2, `changed: ${newNamespace.join(", ")}`);
    });

    it("when the budget needs more objects, the existing ones keep their names and each gives groups only to new ones", () => {
        const list = services(400);
        const groups = pack(list).flatMap((object) => object.groups);
        const bytes = (name: (group: string) => boolean) => Buffer.byteLength(JSON.stringify(groups.find((group) => name(group.name))));
        const [sharedBytes, groupBytes] = [bytes((name) => name === SHARED_GROUP_NAME), bytes((name) => name !== SHARED_GROUP_NAME)];
        const few = pack(list, sharedBytes + groupBytes * 150);
        const more = pack(list, sharedBytes + groupBytes * 60);
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

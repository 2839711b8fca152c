import "../helpers/pulumi";
import * as assert from "assert";
import type { KubernetesObject } from "../../scripts/lib/helmTemplate";
import { allObjects, committedStackManifests } from "../../scripts/lib/stackManifests";
import { STACK_NAMES } from "../helpers/stacks";
import { SCHEMA_RELEASES, validateSchemas } from "../support/kubeSchemas";

const crdsOf = (objects: KubernetesObject[]) => objects.filter((o) => o.kind === "CustomResourceDefinition");

// Every rendered object and every object the program creates itself, validated strictly (unknown fields are
// errors) against Kubernetes' own OpenAPI of the oldest and newest supported release and the charts' CRDs.
describe("Kubernetes schemas of every manifest", function () {
    this.timeout(600_000);

    for (const stack of STACK_NAMES) {
        for (const release of SCHEMA_RELEASES) {
            it(`${stack}: every object is valid for Kubernetes ${release}`, () => {
                const objects = allObjects(committedStackManifests(stack));
                const results = validateSchemas(objects, release, crdsOf(objects));
                assert.strictEqual(results.length, objects.length, "kubeconform judged every object");
                const problems = results.filter((r) => r.status !== "statusValid").map((r) => `${r.kind}/${r.name}: ${r.status} ${r.msg}`);
                assert.deepStrictEqual(problems, []);
                for (const kind of ["Namespace", "NetworkPolicy", "Secret", "Deployment", "ServiceMonitor", "CustomResourceDefinition"]) {
                    assert.ok(
                        results.some((r) => r.kind === kind),
                        `no ${kind} was validated`,
                    );
                }
            });
        }
    }

    it("refuses an unknown field in a chart's object and in a custom resource", () => {
        const objects = allObjects(committedStackManifests("dev"));
        const deployment = structuredClone(objects.find((o) => o.kind === "Deployment")!);
        deployment.spec.replicass = 2;
        const monitor = structuredClone(objects.find((o) => o.kind === "ServiceMonitor")!);
        monitor.spec.endpointz = [];
        const results = validateSchemas([deployment, monitor], SCHEMA_RELEASES[0], crdsOf(objects));
        const byKind = Object.fromEntries(results.map((r) => [r.kind, r]));
        assert.deepStrictEqual([byKind.Deployment.status, byKind.ServiceMonitor.status], ["statusInvalid", "statusInvalid"]);
        assert.match(byKind.Deployment.msg, /additional properties 'replicass' not allowed/);
        assert.match(byKind.ServiceMonitor.msg, /additional properties 'endpointz' not allowed/);
    });
});

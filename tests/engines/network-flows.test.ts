import "../helpers/pulumi";
import * as assert from "assert";
import { committedStackManifests, type StackManifests } from "../../scripts/lib/stackManifests";
import { loadStack, STACK_NAMES } from "../helpers/stacks";
import { type Flow, type FlowContext, judge, missingFlows, neededFlows, outsideFlows, type Verdict } from "../support/networkFlows";

// The stack's NetworkPolicies judged by an analyzer (tools/netflows: cyclonus' matcher of networking.k8s.io/v1
// semantics) on the pods, labels and ports of the rendered manifests. The flows are derived from those
// manifests and the program's datasources (tests/support/networkFlows.ts), not from our policy table.
function contextOf(stack: string): FlowContext {
    const { config } = loadStack(stack);
    return {
        namespace: config.namespace,
        ingressControllerNamespace: config.ingress.controllerNamespace,
        // The issue's rule, stated independently of the program: declared services' namespaces and the listed ones.
        otlpNamespaces: [...new Set([...config.services.map((s) => s.namespace), ...config.collector.applicationNamespaces])],
    };
}

const verdicts = new Map<string, { needed: Verdict[]; outside: Verdict[] }>();
function judged(stack: string): { manifests: StackManifests; needed: Verdict[]; outside: Verdict[] } {
    const manifests = committedStackManifests(stack);
    if (!verdicts.has(stack)) {
        const context = contextOf(stack);
        const needed = neededFlows(manifests, context);
        verdicts.set(stack, { needed: judge(manifests, needed), outside: judge(manifests, outsideFlows(manifests, context, needed)) });
    }
    return { manifests, ...verdicts.get(stack)! };
}
const why = (flows: Flow[], pattern: RegExp) => flows.filter((f) => pattern.test(f.why));

describe("NetworkPolicies judged on the rendered stack", function () {
    this.timeout(600_000);

    for (const stack of STACK_NAMES) {
        it(`${stack}: every flow the stack needs is allowed`, () => {
            const { needed } = judged(stack);
            assert.deepStrictEqual(
                missingFlows(needed).map((v) => `${v.id}: ${v.why}`),
                [],
            );
            // Each kind of flow was found in the manifests, so an empty derivation cannot pass.
            for (const kind of [
                /^datasource Prometheus/,
                /^datasource Loki/,
                /^datasource Tempo/,
                /^scrape/,
                /^configured to reach loki/,
                /^configured to reach tempo/,
                /^OTLP/,
                /^profiles pushed/,
                /^admission webhook/,
            ]) {
                assert.ok(why(needed, kind).length > 0, `${stack}: no flow matching ${kind}`);
            }
        });

        it(`${stack}: from outside the stack only the admission webhook is reachable`, () => {
            const { outside } = judged(stack);
            assert.ok(outside.length > 50, `${outside.length} outside connections tried`);
            const reachable = outside.filter((v) => v.allowed);
            // The API server calls the webhook from the control plane, which is no pod and has no fixed address.
            assert.deepStrictEqual([...new Set(reachable.map((v) => `${v.to.workload}:${v.port}`))], ["Deployment/prometheus-operator:10250"]);
        });
    }

    it("applications in the declared services' namespaces reach the collector's OTLP ports", () => {
        const { needed } = judged("production");
        const shop = needed.filter((v) => v.id.startsWith("shop/*") && /OTLP/.test(v.why));
        assert.deepStrictEqual(shop.map((v) => `${v.to.workload}:${v.port}:${v.allowed}`).sort(), ["Deployment/alloy:4317:true", "Deployment/alloy:4318:true"]);
    });

    it("applications in the declared services' namespaces reach the collector's profiles receiver, on the port its Alloy configuration listens on", () => {
        const { needed } = judged("production");
        const shop = needed.filter((v) => v.id.startsWith("shop/*") && /^profiles pushed/.test(v.why));
        // Pyroscope SDKs' default server port; the collector's configuration must listen there for the flow to be found.
        assert.deepStrictEqual(
            shop.map((v) => `${v.to.workload}:${v.port}:${v.allowed}`),
            ["Deployment/alloy:4040:true"],
        );
    });

    it("production: Loki's and Tempo's components reach each other's gRPC and memberlist ports, and Tempo's generator writes to Prometheus", () => {
        const { needed } = judged("production");
        const allowedTo = (pattern: RegExp) => needed.filter((v) => pattern.test(v.id) && v.allowed);
        assert.ok(allowedTo(/Deployment\/loki-querier -> .*:9095\//).length > 0, "querier to gRPC");
        assert.ok(allowedTo(/StatefulSet\/loki-ingester -> StatefulSet\/loki-ingester:7946\//).length > 0, "ingester memberlist");
        assert.ok(allowedTo(/Deployment\/tempo-distributor -> .*:7946\//).length > 0, "tempo memberlist");
        assert.ok(allowedTo(/Deployment\/tempo-metrics-generator -> operator-managed\/prometheus-prometheus:9090\//).length > 0, "remote write");
        assert.ok(allowedTo(/ingress-nginx\/\* -> Deployment\/grafana:3000\//).length > 0, "the ingress to Grafana");
    });

    it("Prometheus reaches Alertmanager with its alerts in every stack, and production's two Alertmanagers gossip on 9094 TCP and UDP", () => {
        for (const stack of STACK_NAMES) {
            const alerts = judged(stack).needed.filter((v) => /^alerts \(Prometheus/.test(v.why));
            assert.deepStrictEqual(
                alerts.map((v) => [v.id, v.allowed]),
                [["operator-managed/prometheus-prometheus -> operator-managed/prometheus-alertmanager:9093/TCP", true]],
                stack,
            );
        }
        const gossip = judged("production").needed.filter((v) => /Alertmanager replicas gossip/.test(v.why));
        assert.deepStrictEqual(
            gossip.map((v) => [v.protocol, v.port, v.allowed]),
            [
                ["TCP", 9094, true],
                ["UDP", 9094, true],
            ],
        );
        assert.deepStrictEqual(
            judged("dev").needed.filter((v) => /Alertmanager replicas gossip/.test(v.why)),
            [],
            "one replica: no mesh",
        );
    });

    it("the analyzer denies a flow the policies do not allow (a policy removed)", () => {
        const { manifests, needed } = judged("dev");
        const withoutLoki = { ...manifests, programObjects: manifests.programObjects.filter((o) => o.metadata.name !== "allow-ingress-to-loki") };
        const toLoki = needed.filter((v) => v.to.workload === "StatefulSet/loki");
        assert.ok(toLoki.length > 0);
        assert.ok(judge(withoutLoki, toLoki).every((v) => !v.allowed));
    });
});

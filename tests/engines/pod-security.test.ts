import "../helpers/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { committedStackManifests } from "../../scripts/lib/stackManifests";
import { REPO_ROOT, STACK_NAMES } from "../helpers/stacks";
import { admitted, type PodSecurityResult, podSecurity, RESTRICTED_EXCEPTIONS, restrictedTable } from "../support/podSecurity";

// Every pod template the charts render (Deployments, StatefulSets, DaemonSets, Jobs, Helm hook Jobs) judged by
// k8s.io/pod-security-admission (tools/podsecurity) against the labels of the namespace it lands in.
describe("Pod Security of every rendered pod template", function () {
    this.timeout(600_000);
    const byStack: Record<string, PodSecurityResult[]> = {};
    const resultsOf = (stack: string) => (byStack[stack] ??= podSecurity(committedStackManifests(stack)));

    for (const stack of STACK_NAMES) {
        it(`${stack}: every pod is admitted at its namespace's enforced level, on Kubernetes 1.34 and the library's latest`, () => {
            const results = resultsOf(stack);
            assert.ok(results.length >= 8, `${results.length} pod templates`);
            const refused = results
                .map((r) => ({ r, verdict: admitted(r) }))
                .filter(({ verdict }) => !verdict.ok)
                .map(({ r, verdict }) => `${r.namespace}/${r.kind}/${r.name}: ${verdict.refusals.join("; ")}`);
            assert.deepStrictEqual(refused, []);
            // Helm hook Jobs are pods too: the operator's admission-webhook certificate jobs and the CRD upgrade job.
            assert.ok(
                results.some((r) => r.kind === "Job" && r.hook.includes("pre-install")),
                "no hook Job was judged",
            );
        });
    }

    it("the judge refuses what the namespace forbids (a privileged container in the baseline namespace)", () => {
        const manifests = committedStackManifests("dev");
        const grafana = manifests.releases.find((r) => r.chart === "grafana")!;
        const deployment = structuredClone(grafana.objects.find((o) => o.kind === "Deployment")!);
        deployment.spec.template.spec.containers[0].securityContext = { privileged: true };
        const [result] = podSecurity({ ...manifests, releases: [{ ...grafana, manifest: stringify(deployment) }] });
        assert.strictEqual(admitted(result).ok, false);
        assert.match(admitted(result).refusals.join(" "), /privileged/);
    });

    it("node-exporter's DaemonSet is admitted only in its own privileged namespace", () => {
        const manifests = committedStackManifests("dev");
        const prometheus = manifests.releases.find((r) => r.chart === "kubePrometheusStack")!;
        const daemonSet = prometheus.objects.find((o) => o.kind === "DaemonSet" && o.metadata.name.endsWith("node-exporter"))!;
        const [own] = podSecurity({ ...manifests, releases: [{ ...prometheus, manifest: stringify(daemonSet) }] });
        assert.deepStrictEqual(
            { namespace: own.namespace, enforce: own.enforce?.level, ok: admitted(own).ok },
            { namespace: "monitoring-node-exporter", enforce: "privileged", ok: true },
        );
        const moved = { ...structuredClone(daemonSet), metadata: { ...daemonSet.metadata, namespace: "monitoring" } };
        const [inStackNamespace] = podSecurity({ ...manifests, releases: [{ ...prometheus, manifest: stringify(moved) }] });
        assert.strictEqual(admitted(inStackNamespace).ok, false);
        assert.match(admitted(inStackNamespace).refusals.join(" "), /baseline@v1\.34: host namespaces \(hostNetwork=true, hostPID=true\)/);
    });

    it("every refusal at restricted is explained, and docs/proven.md shows the table", () => {
        for (const stack of STACK_NAMES) resultsOf(stack);
        const table = restrictedTable(byStack);
        assert.ok(!table.includes("**not explained**"), `add the reason to RESTRICTED_EXCEPTIONS:\n${table}`);
        const proven = fs.readFileSync(path.join(REPO_ROOT, "docs", "proven.md"), "utf8");
        assert.ok(proven.includes(table), `docs/proven.md's Pod Security table is stale; it should read:\n${table}`);
        const listed = [...table.matchAll(/^\| (\w+\/[\w-]+) \|/gm)].map((m) => m[1]);
        assert.deepStrictEqual(Object.keys(RESTRICTED_EXCEPTIONS).sort(), listed.sort(), "an exception no workload needs any more");
    });
});

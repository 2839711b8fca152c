import * as grafana from "@pulumiverse/grafana";
import * as assert from "assert";
import { alertCondition, createRuleGroups, grafanaFor } from "../../components/grafana/alerting/ruleGroups";
import { type AlertRuleInput, alertRuleGroups, alertRuleInput, type RuleGroupDefinition } from "../../components/grafana/alerting/rules";
import { GRAFANA_RELEASE } from "../../components/grafana/names";
import { DATASOURCE_UIDS, FOLDER_UIDS } from "../../components/grafana/uids";
import { sloRecordingRuleGroups } from "../../components/slo/recordingRules";
import { SERVICE_INFO_RECORD } from "../../components/slo/records";
import type { StackConfig } from "../../stacks/schema";
import { syntaxErrors } from "../helpers/grammars";
import { checkPromQL } from "../helpers/promtool";
import { captureResources, type RecordedResource } from "../helpers/pulumi";
import { loadStack, STACK_NAMES } from "../helpers/stacks";
import { LABEL_TEMPLATE } from "../support/ruleCases/promtoolFiles";

const RULE_GROUP = "grafana:alerting/ruleGroup:RuleGroup";
/** Folder UIDs as GrafanaContent hands them over; distinct from the folder keys so a mix-up shows. */
const FOLDERS = { alerts: `uid-of-${FOLDER_UIDS.alerts}`, slos: `uid-of-${FOLDER_UIDS.slos}` } as const;

const inputOf = (config: StackConfig): AlertRuleInput => alertRuleInput(config);

interface Rendered {
    config: StackConfig;
    groups: RuleGroupDefinition[];
    resources: RecordedResource[];
}

let renders = 0;
async function render(stack: string, disableProvenance = false, overrides: Record<string, string> = {}): Promise<Rendered> {
    const { config } = loadStack(stack, overrides);
    const groups = alertRuleGroups(inputOf(config));
    const name = `rules-${stack}-${++renders}`;
    const resources = await captureResources(() => {
        const provider = new grafana.Provider(`${name}-provider`, { url: "https://grafana.test", auth: "token" });
        createRuleGroups(name, groups, FOLDERS, { disableProvenance }, { provider });
    });
    return { config, groups, resources: resources.filter((r) => r.type === RULE_GROUP) };
}

const rulesOf = (rendered: Rendered) => rendered.resources.flatMap((group) => group.inputs.rules as any[]);

/** Object keys at every depth, in the order they appear. */
function keyOrders(value: unknown, found: string[][] = []): string[][] {
    if (Array.isArray(value)) for (const item of value) keyOrders(item, found);
    else if (value && typeof value === "object") {
        found.push(Object.keys(value));
        for (const child of Object.values(value)) keyOrders(child, found);
    }
    return found;
}

describe("alert rules", () => {
    const rendered: Record<string, Rendered> = {};
    before(async () => {
        for (const stack of STACK_NAMES) rendered[stack] = await render(stack);
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it("creates one rule group per definition, in its folder, at its interval, with every rule", () => {
                const { groups, resources } = rendered[stack];
                assert.strictEqual(resources.length, groups.length);
                assert.strictEqual(new Set(resources.map((r) => r.name)).size, resources.length);
                for (const group of groups) {
                    const resource = resources.find((r) => r.inputs.name === group.name);
                    assert.ok(resource, `no RuleGroup ${group.name}`);
                    assert.strictEqual(resource.inputs.folderUid, FOLDERS[group.folder]);
                    assert.strictEqual(resource.inputs.intervalSeconds, 60);
                    assert.strictEqual(resource.inputs.disableProvenance, false);
                    assert.deepStrictEqual(
                        resource.inputs.rules.map((r: any) => r.uid),
                        group.rules.map((r) => r.uid),
                    );
                }
            });

            it("gives every rule a unique UID of at most 40 characters and a title unique in its folder", () => {
                const { groups } = rendered[stack];
                const uids = groups.flatMap((g) => g.rules.map((r) => r.uid));
                assert.strictEqual(new Set(uids).size, uids.length);
                for (const uid of uids) assert.match(uid, /^[A-Za-z0-9_-]{1,40}$/);
                for (const folder of ["alerts", "slos"] as const) {
                    const titles = groups.filter((g) => g.folder === folder).flatMap((g) => g.rules.map((r) => r.title));
                    assert.strictEqual(new Set(titles).size, titles.length, `${folder}: ${titles}`);
                }
            });

            it("labels every alert with severity and team (SLO alerts: the series' team) and annotates it with summary, description and runbook", () => {
                for (const rule of rulesOf(rendered[stack])) {
                    const slo = rule.uid.startsWith("slo-");
                    assert.deepStrictEqual(Object.keys(rule.labels).sort(), slo ? ["severity"] : ["severity", "team"], rule.name);
                    assert.ok(["critical", "warning"].includes(rule.labels.severity), rule.name);
                    if (slo) assert.match(JSON.parse(rule.datas[0].model).expr, /group_left \(team\)/, rule.name);
                    else assert.ok(rule.labels.team, rule.name);
                    assert.deepStrictEqual(Object.keys(rule.annotations).sort(), ["description", "runbook_url", "summary"], rule.name);
                    assert.ok(rule.annotations.summary.length > 10 && rule.annotations.description.length > 20, rule.name);
                    assert.match(rule.annotations.runbook_url, /^https:\/\/[^\s]+$/, rule.name);
                    // Grafana's template data and functions differ from Prometheus': only $labels means the same in both.
                    for (const text of [rule.annotations.summary, rule.annotations.description]) {
                        assert.strictEqual(text.replace(LABEL_TEMPLATE, "").includes("{{"), false, `${rule.name}: ${text}`);
                    }
                    assert.ok(["NoData", "Alerting", "OK"].includes(rule.noDataState), rule.name);
                    assert.ok(["Error", "Alerting", "OK"].includes(rule.execErrState), rule.name);
                    assert.strictEqual(rule.isPaused, false);
                }
            });

            it("routes stack rules to the platform team; one SLO group covers every service, each alert with its service's team", () => {
                const { groups, config } = rendered[stack];
                for (const rule of groups.filter((g) => g.folder === "alerts").flatMap((g) => g.rules)) assert.strictEqual(rule.team, "platform", rule.title);
                const slos = groups.filter((g) => g.folder === "slos");
                assert.strictEqual(slos.length, config.services.length > 0 ? 1 : 0);
                for (const rule of slos.flatMap((g) => g.rules)) {
                    assert.strictEqual(rule.team, undefined, rule.title);
                    // No service is named in a rule: the objective series select the services and carry their teams.
                    for (const svc of config.services) assert.ok(!rule.expr.includes(`"${svc.name}"`), rule.expr);
                }
                // Each service's team comes with its SLO series, from its info series (slo-rules.test.ts runs them through promtool).
                const infos = sloRecordingRuleGroups(config.services)
                    .flatMap((g) => g.rules)
                    .filter((r) => r.record === SERVICE_INFO_RECORD);
                for (const svc of config.services) {
                    const own = infos.filter((r) => r.labels.namespace === svc.namespace && r.labels.service === svc.name);
                    assert.deepStrictEqual(
                        own.map((r) => r.labels.team),
                        [svc.team],
                        svc.name,
                    );
                }
            });

            it("queries Prometheus (A), reduces to the last value (B) and compares it with the threshold (C)", () => {
                const { groups } = rendered[stack];
                const definitions = groups.flatMap((g) => g.rules);
                for (const rule of rulesOf(rendered[stack])) {
                    const definition = definitions.find((d) => d.uid === rule.uid)!;
                    assert.strictEqual(rule.condition, "C");
                    assert.strictEqual(rule.for, grafanaFor(definition));
                    const [query, reduce, threshold] = rule.datas.map((d: any) => ({ ...d, model: JSON.parse(d.model) }));
                    assert.deepStrictEqual(
                        rule.datas.map((d: any) => d.refId),
                        ["A", "B", "C"],
                    );
                    assert.strictEqual(query.datasourceUid, DATASOURCE_UIDS.prometheus);
                    assert.deepStrictEqual(query.model.datasource, { type: "prometheus", uid: DATASOURCE_UIDS.prometheus });
                    assert.strictEqual(query.model.expr, definition.expr);
                    assert.strictEqual(query.model.instant, true);
                    assert.strictEqual(query.model.range, false);
                    assert.ok(query.relativeTimeRange.from > query.relativeTimeRange.to, "Grafana refuses a query range that ends before it starts");
                    for (const expression of [reduce, threshold]) {
                        assert.strictEqual(expression.datasourceUid, "__expr__");
                        assert.deepStrictEqual(expression.model.datasource, { type: "__expr__", uid: "__expr__" });
                    }
                    assert.deepStrictEqual([reduce.model.type, reduce.model.expression, reduce.model.reducer], ["reduce", "A", "last"]);
                    assert.deepStrictEqual([threshold.model.type, threshold.model.expression], ["threshold", "B"]);
                    assert.deepStrictEqual(threshold.model.conditions[0].evaluator, { params: [definition.threshold], type: definition.comparison });
                    for (const stage of [query, reduce, threshold]) {
                        assert.strictEqual(stage.model.refId, stage.refId);
                        assert.strictEqual(stage.queryType, "");
                    }
                }
            });

            it("writes every model as the provider keeps it: no Grafana defaults, keys sorted at every depth", () => {
                for (const rule of rulesOf(rendered[stack])) {
                    for (const data of rule.datas) {
                        const model = JSON.parse(data.model);
                        // normalizeModelJSON strips these defaults from state (tests/engines/read-back.test.ts models it).
                        assert.ok(!("intervalMs" in model) && !("maxDataPoints" in model), `${rule.name}/${data.refId}`);
                        for (const keys of keyOrders(model)) assert.deepStrictEqual(keys, [...keys].sort(), `${rule.name}/${data.refId}: ${keys}`);
                    }
                }
            });

            it("writes PromQL that Grafana's editor and Prometheus both parse, as query and as alert condition", () => {
                const definitions = rendered[stack].groups.flatMap((g) => g.rules);
                for (const rule of definitions) assert.deepStrictEqual(syntaxErrors("promql", rule.expr), [], `${rule.uid}: ${rule.expr}`);
                const result = checkPromQL([...definitions.map((r) => r.expr), ...definitions.map(alertCondition)]);
                assert.ok(result.ok, result.output);
            });
        });
    }

    it("renders the same inputs every time (no diff without a change)", async () => {
        const again = await render("production");
        const inputs = (r: Rendered) => r.resources.map((resource) => resource.inputs);
        assert.deepStrictEqual(inputs(again), inputs(rendered.production));
    });

    it("passes disableProvenance through, so rules can be left editable in the UI", async () => {
        const editable = await render("dev", true);
        assert.ok(editable.resources.length > 0);
        for (const resource of editable.resources) assert.strictEqual(resource.inputs.disableProvenance, true);
    });

    it("includes the guide's three service-health rules with its thresholds", () => {
        const health = rendered.dev.groups.find((g) => g.name === "Service Health")!;
        const byUid = Object.fromEntries(health.rules.map((r) => [r.uid, r]));
        assert.deepStrictEqual(Object.keys(byUid).sort(), ["high-error-rate", "high-latency", "pod-restart-loop"]);
        assert.deepStrictEqual(
            [byUid["high-error-rate"].comparison, byUid["high-error-rate"].threshold, byUid["high-error-rate"].for, byUid["high-error-rate"].severity],
            ["gt", 5, "5m", "critical"],
        );
        assert.match(byUid["high-error-rate"].expr, /http_requests_total\{status=~"5\.\."\}\[5m\]/);
        assert.deepStrictEqual([byUid["high-latency"].threshold, byUid["high-latency"].severity], [2, "warning"]);
        assert.match(byUid["high-latency"].expr, /^histogram_quantile\(0\.95, .*http_request_duration_seconds_bucket\[5m\]/);
        assert.deepStrictEqual([byUid["pod-restart-loop"].threshold, byUid["pod-restart-loop"].for], [3, "0s"]);
        assert.match(byUid["pod-restart-loop"].expr, /^increase\(kube_pod_container_status_restarts_total\{namespace="monitoring"\}\[1h\]\)$/);
    });

    it("scopes the stack's rules to the stack's namespace, except the cluster-wide target and control-plane checks", async () => {
        const moved = await render("production", false, { namespace: "obs-elsewhere" });
        const stackRules = moved.groups.find((g) => g.name === "Observability Stack")!.rules;
        const clusterWide = stackRules
            .filter((r) => !r.expr.includes('namespace="obs-elsewhere"'))
            .map((r) => r.uid)
            .sort();
        assert.deepStrictEqual(clusterWide, ["stack-target-down"]);
        for (const rule of stackRules) assert.doesNotMatch(rule.expr, /namespace="monitoring"/, rule.uid);
    });

    it("alerts on control-plane jobs only where the cluster's control plane is scraped", () => {
        const controlPlane = (r: Rendered) =>
            r.groups
                .flatMap((g) => g.rules)
                .filter((rule) => /absent\(up\{job="kube-/.test(rule.expr))
                .map((rule) => rule.uid);
        // staging: a self-managed control plane whose metrics listen on node addresses.
        assert.strictEqual(rendered.staging.config.cluster.distribution, "self-managed");
        assert.deepStrictEqual(controlPlane(rendered.staging).sort(), [
            "stack-kube-controller-manager-down",
            "stack-kube-proxy-down",
            "stack-kube-scheduler-down",
        ]);
        // dev on kind binds them to 127.0.0.1, production's EKS hides them: alerting on them would fire from the first minute.
        assert.deepStrictEqual([rendered.dev.config.cluster.distribution, rendered.production.config.cluster.distribution], ["kind", "eks"]);
        assert.deepStrictEqual(controlPlane(rendered.dev), []);
        assert.deepStrictEqual(controlPlane(rendered.production), []);
    });

    it("watches the scrape job of Grafana's Service, and fires when the target vanishes", () => {
        const rule = rendered.dev.groups.flatMap((g) => g.rules).find((r) => r.uid === "stack-grafana-down")!;
        assert.strictEqual(rule.expr, `up{namespace="monitoring", job="${GRAFANA_RELEASE}"}`);
        assert.deepStrictEqual([rule.comparison, rule.threshold, rule.noDataState], ["lt", 1, "Alerting"]);
    });
});

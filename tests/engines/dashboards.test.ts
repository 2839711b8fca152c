import "../helpers/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { dashboardDefinitions, renderDashboardJson } from "../../components/grafana/dashboards";
import { DASHBOARDS_DIR, IMPORTED_DASHBOARDS, importedDashboards, importedModel } from "../../components/grafana/dashboards/imported";
import { DASHBOARD_UIDS, DATASOURCE_UIDS, SLO_DASHBOARD_UID, sloDashboardUid } from "../../components/grafana/uids";
import { errorBudget, errorRatioRecord, OBJECTIVE_RECORD, slowRatioRecord } from "../../components/slo/records";
import { LOG_LABELS, PROFILES } from "../../components/vocabulary";
import { allPanels, type DashboardQuery, dashboardQueries, queryProblems, targetsWithDatasource } from "../helpers/dashboardQueries";
import { type BuiltContent, buildContent } from "../helpers/grafanaContent";
import { outputValue } from "../helpers/pulumi";
import { STACK_NAMES } from "../helpers/stacks";

/** Every `datasource` object anywhere in a dashboard model (panels, targets, variables, annotations). */
function datasourceRefs(value: unknown, found: Array<{ type?: string; uid?: string }> = []): Array<{ type?: string; uid?: string }> {
    if (Array.isArray(value)) for (const item of value) datasourceRefs(item, found);
    else if (value && typeof value === "object") {
        for (const [key, child] of Object.entries(value)) {
            if (key === "datasource" && child && typeof child === "object") found.push(child as { type?: string; uid?: string });
            else datasourceRefs(child, found);
        }
    }
    return found;
}

const byUid = (built: BuiltContent, uid: string) => {
    const found = built.dashboards.find((d) => d.uid === uid);
    assert.ok(found, `no dashboard ${uid}`);
    return found;
};

describe("dashboards", () => {
    const built: Record<string, BuiltContent> = {};
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = await buildContent(stack);
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it("creates service overview, stack health, Kubernetes, one shared SLO dashboard when there are services, and the imported files, UIDs unique", () => {
                const { dashboards, config } = built[stack];
                assert.ok(
                    config.services.every((service) => !service.ownDashboard),
                    "the committed stacks ask for no dashboard of a service's own",
                );
                assert.strictEqual(dashboards.length, 3 + (config.services.length > 0 ? 1 : 0) + importedDashboards().length);
                assert.strictEqual(new Set(dashboards.map((d) => d.uid)).size, dashboards.length);
                for (const d of dashboards) {
                    assert.ok(d.uid.length <= 40, `${d.uid} is longer than Grafana allows`);
                    assert.ok(Array.isArray(d.model.annotations?.list), `${d.uid} has no annotations.list, which Grafana's loader expects`);
                }
            });

            it("refers only to datasources this stack creates, by UID and with their type", () => {
                const { dashboards, datasources } = built[stack];
                for (const d of dashboards) {
                    const refs = datasourceRefs(d.model);
                    assert.ok(refs.length > 0, `${d.uid} names no datasource`);
                    for (const ref of refs) {
                        // Grafana's built-in "-- Grafana --" datasource (uid "grafana", type "datasource": annotations,
                        // Grafana's own data) exists in every Grafana; the mixins' annotation queries use it.
                        if (ref.type === "datasource" && ref.uid === "grafana") continue;
                        const target = datasources.find((ds) => ds.uid === ref.uid);
                        assert.ok(target, `${d.uid} refers to datasource ${JSON.stringify(ref)}, which this stack does not create`);
                        assert.strictEqual(ref.type, target.type, `${d.uid}: ${ref.uid} is a ${target.type} datasource`);
                    }
                }
            });

            it("gives every query a datasource, a refId unique in its panel, and every panel a unique id", () => {
                for (const d of built[stack].dashboards) {
                    for (const { panel, datasource } of targetsWithDatasource(d.model)) assert.ok(datasource?.uid, `${d.uid} / ${panel.title}`);
                    for (const panel of allPanels(d.model)) {
                        const refIds = (panel.targets ?? []).map((t: any) => t.refId);
                        assert.ok(refIds.every(Boolean) && new Set(refIds).size === refIds.length, `${d.uid} / ${panel.title}: ${refIds}`);
                    }
                    const ids = allPanels(d.model).map((p) => p.id);
                    assert.ok(ids.every((id) => Number.isInteger(id) && id > 0) && new Set(ids).size === ids.length, `${d.uid}: ${ids}`);
                }
            });

            it("puts each dashboard in its folder", () => {
                const { dashboards, folders, config } = built[stack];
                const folderTitle = (uid: string) => folders.find((f) => f.uid === uid)?.title;
                assert.strictEqual(folderTitle(byUid(built[stack], DASHBOARD_UIDS.serviceOverview).folder), "Services");
                assert.strictEqual(folderTitle(byUid(built[stack], DASHBOARD_UIDS.stackHealth).folder), "Observability Stack");
                assert.strictEqual(folderTitle(byUid(built[stack], DASHBOARD_UIDS.kubernetes).folder), "Kubernetes");
                if (config.services.length > 0) assert.strictEqual(folderTitle(byUid(built[stack], SLO_DASHBOARD_UID).folder), "SLOs");
                for (const d of dashboards) assert.ok(folderTitle(d.folder), `${d.uid} is in folder ${d.folder}, which is not created`);
            });

            it("writes only queries that parse with Grafana's grammars, and PromQL that promtool accepts", () => {
                const queries = built[stack].dashboards.flatMap((d) => dashboardQueries(d.model));
                for (const language of ["promql", "logql", "traceql", "profileselector"] as const) {
                    assert.ok(
                        queries.some((q) => q.language === language),
                        `no ${language} query was checked`,
                    );
                }
                assert.deepStrictEqual(queryProblems(queries), []);
            });
        });
    }

    it("keeps each dashboard's UID fixed across stacks", () => {
        for (const uid of Object.values(DASHBOARD_UIDS)) {
            for (const stack of STACK_NAMES) byUid(built[stack], uid);
        }
        const checkout = built.production.config.services.find((s) => s.name === "checkout")!;
        assert.strictEqual(sloDashboardUid(checkout), sloDashboardUid({ ...checkout }));
        assert.ok(byUid(built.staging, SLO_DASHBOARD_UID) && byUid(built.production, SLO_DASHBOARD_UID));
    });

    it("renders the same JSON every time (no diff without a change)", async () => {
        const again = await buildContent("production");
        const text = (b: BuiltContent) => Object.fromEntries(b.dashboards.map((d) => [d.uid, d.configJson]));
        assert.deepStrictEqual(text(again), text(built.production));
        for (const definition of dashboardDefinitions({ namespace: "monitoring", services: built.production.config.services })) {
            assert.strictEqual(renderDashboardJson(definition), renderDashboardJson(definition));
        }
    });

    describe("the query checker", () => {
        const broken: Record<DashboardQuery["language"], string> = {
            promql: "sum(rate(http_requests_total[5m])",
            logql: '{namespace="shop"',
            traceql: "{ resource.service.name = }",
            // Valid PromQL, but Pyroscope takes a label selector only.
            profileselector: 'sum({service_name="checkout"})',
        };
        for (const [language, text] of Object.entries(broken) as Array<[DashboardQuery["language"], string]>) {
            it(`fails a dashboard with a broken ${language} query`, () => {
                const model = structuredClone(byUid(built.production, DASHBOARD_UIDS.serviceOverview).model);
                const queries = dashboardQueries(model);
                const index = queries.findIndex((q) => q.language === language);
                assert.ok(index >= 0);
                queries[index] = { ...queries[index], text };
                assert.ok(
                    queryProblems(queries).some((p) => p.includes(JSON.stringify(text))),
                    `the checker let ${text} through`,
                );
            });
        }

        it("fails PromQL that parses in the editor but that Prometheus refuses", () => {
            // Valid grammar, but Prometheus only accepts rate() over a range vector.
            const problems = queryProblems([{ where: "test", language: "promql", text: "rate(http_requests_total)" }]);
            assert.ok(
                problems.some((p) => p.startsWith("promtool rejected")),
                problems.join("\n"),
            );
        });

        it("refuses queries it cannot classify rather than skipping them", () => {
            const model = { uid: "x", panels: [{ title: "p", datasource: { type: "graphite", uid: "g" }, targets: [{ target: "a.b" }] }] };
            assert.throws(() => dashboardQueries(model), /no known datasource type/);
        });
    });

    describe("service overview", () => {
        const model = () => byUid(built.dev, DASHBOARD_UIDS.serviceOverview).model;

        it("has namespace and service variables queried from Prometheus, the service filtered by namespace", () => {
            const variables = model().templating.list;
            assert.deepStrictEqual(
                variables.map((v: any) => [v.name, v.type, v.datasource.type]),
                [
                    ["namespace", "query", "prometheus"],
                    ["service", "query", "prometheus"],
                ],
            );
            assert.match(variables[1].query, /\$namespace/);
        });

        it("shows request rate by status, error rate with 1%/5% thresholds, P95 and P99, all for the selected service", () => {
            const panels = allPanels(model());
            const titled = (pattern: RegExp) => panels.filter((p) => pattern.test(p.title));
            const errorRate = titled(/^Error rate$/)[0];
            assert.deepStrictEqual(
                errorRate.fieldConfig.defaults.thresholds.steps.map((s: any) => s.value),
                [null, 1, 5],
            );
            assert.strictEqual(errorRate.fieldConfig.defaults.unit, "percent");
            assert.match(titled(/Request rate by status/)[0].targets[0].expr, /by \(status\)/);
            const quantiles = panels.flatMap((p) => (p.targets ?? []).map((t: any) => t.expr)).join("\n");
            assert.match(quantiles, /histogram_quantile\(0\.95/);
            assert.match(quantiles, /histogram_quantile\(0\.99/);
            for (const { target, datasource } of targetsWithDatasource(model())) {
                if (datasource?.type === "prometheus") assert.match(target.expr, /\$service/);
            }
        });

        it("requests exemplars on the latency graph, so points link to traces", () => {
            const latency = allPanels(model()).find((p) => p.type === "timeseries" && /Latency/.test(p.title));
            assert.ok(latency && latency.targets.length >= 2);
            for (const target of latency.targets) assert.strictEqual(target.exemplar, true);
        });

        it("shows the logs of the selected namespace and service by the labels the collector sets", () => {
            const logs = allPanels(model()).find((p) => p.type === "logs");
            assert.strictEqual(logs.datasource.type, "loki");
            assert.match(logs.targets[0].expr, new RegExp(`${LOG_LABELS.namespace}="\\$namespace"`));
            assert.match(logs.targets[0].expr, new RegExp(`${LOG_LABELS.service}="\\$service"`));
        });

        it("shows the selected service's CPU flame graph from Pyroscope, of the profile type the trace links use, by service name alone", () => {
            const flameGraphs = allPanels(model()).filter((p) => p.type === "flamegraph");
            assert.strictEqual(flameGraphs.length, 1);
            const [panel] = flameGraphs;
            assert.deepStrictEqual(panel.datasource, { type: "grafana-pyroscope-datasource", uid: DATASOURCE_UIDS.pyroscope });
            assert.strictEqual(panel.targets.length, 1);
            const [target] = panel.targets;
            assert.strictEqual(target.queryType, "profile");
            assert.strictEqual(target.labelSelector, `{${PROFILES.labels.service}="$service"}`);
            // Profiles an SDK pushes have no namespace label: a $namespace matcher would hide them
            // (tests/engines/trace-profile-links.test.ts runs this selector over pyroscope-go's upload).
            assert.doesNotMatch(target.labelSelector, /\$namespace/);
            const tempo = built.dev.datasources.find((ds) => ds.type === "tempo")!;
            assert.strictEqual(target.profileTypeId, tempo.jsonData.tracesToProfiles.profileTypeId);
        });
    });

    describe("SLO dashboards", () => {
        const service = (name: string, overrides: Record<string, unknown> = {}) => ({
            name,
            namespace: "shop",
            team: "payments",
            availabilityObjective: 99.9,
            latencyObjective: 95,
            latencyThresholdMs: 300,
            ...overrides,
        });
        const withServices = (services: object[]) => buildContent("production", { services: JSON.stringify(services) });

        it("production: one shared dashboard, the service picked by variables, budgets read from the objective series", () => {
            const d = byUid(built.production, SLO_DASHBOARD_UID);
            const variables = d.model.templating.list.map((v: any) => [v.name, v.query]);
            assert.deepStrictEqual(variables, [
                ["namespace", `label_values(${OBJECTIVE_RECORD}, namespace)`],
                ["service", `label_values(${OBJECTIVE_RECORD}{namespace="$namespace"}, service)`],
            ]);
            const promql = dashboardQueries(d.model)
                .map((q) => q.text)
                .join("\n");
            const selector = '{namespace="$namespace", service="$service"}';
            assert.ok(promql.includes(`${errorRatioRecord("5m")}${selector}`), "does not read the chosen service's error ratio");
            assert.ok(promql.includes(`${slowRatioRecord("1h")}${selector}`), "does not read the chosen service's slow ratio");
            for (const sli of ["availability", "latency"]) {
                assert.ok(
                    promql.includes(`/ on (namespace, service) (1 - ${OBJECTIVE_RECORD}{sli="${sli}", namespace="$namespace", service="$service"})`),
                    `the ${sli} budget is not the chosen service's`,
                );
            }
            // No service's objective is written into it: the same dashboard serves them all.
            for (const { availabilityObjective } of built.production.config.services)
                assert.doesNotMatch(JSON.stringify(d.model), new RegExp(`${availabilityObjective}%`));
        });

        it("links each service to the shared dashboard under its old dashboardUrls key, its variables set", async () => {
            const urls = await outputValue(built.production.content.dashboardUrls);
            for (const { namespace, name } of built.production.config.services) {
                const url = new URL(urls[`slo/${namespace}/${name}`]);
                assert.strictEqual(url.pathname.replace(/.*\/d\//, ""), SLO_DASHBOARD_UID);
                assert.strictEqual(url.searchParams.get("var-namespace"), namespace);
                assert.strictEqual(url.searchParams.get("var-service"), name);
            }
            assert.ok(urls.slo.endsWith(`/d/${SLO_DASHBOARD_UID}`));
        });

        it("a service with ownDashboard gets its own, with its objectives written in; the others keep the shared one", async () => {
            const own = service("checkout", { ownDashboard: true, availabilityObjective: 99.5, latencyObjective: 99 });
            const content = await withServices([own, service("search")]);
            assert.deepStrictEqual(
                content.dashboards
                    .filter((d) => d.folder === "slos")
                    .map((d) => d.uid)
                    .sort(),
                [SLO_DASHBOARD_UID, sloDashboardUid(own)].sort(),
            );
            const promql = dashboardQueries(byUid(content, sloDashboardUid(own)).model)
                .map((q) => q.text)
                .join("\n");
            assert.ok(promql.includes(`${errorRatioRecord("5m")}{namespace="shop", service="checkout"}`));
            assert.ok(promql.includes(` / ${errorBudget(99.5)}`) && promql.includes(` / ${errorBudget(99)}`));
            const urls = await outputValue(content.content.dashboardUrls);
            assert.ok(urls["slo/shop/checkout"].endsWith(`/d/${sloDashboardUid(own)}`), urls["slo/shop/checkout"]);
            assert.match(urls["slo/shop/search"], /var-service=search$/);
        });

        it("holds as many dashboards for 1,000 services as for one", async () => {
            const one = await withServices([service("s-0")]);
            const thousand = await withServices(Array.from({ length: 1000 }, (_, index) => service(`s-${index}`)));
            assert.strictEqual(thousand.dashboards.length, one.dashboards.length);
            assert.strictEqual(Object.keys(await outputValue(thousand.content.dashboardUrls)).filter((key) => key.startsWith("slo/")).length, 1000);
        });

        it("dev configures no service, so has no SLO dashboard", () => {
            assert.ok(built.dev.dashboards.every((d) => !d.uid.startsWith("slo-") && d.uid !== SLO_DASHBOARD_UID));
        });

        it("turns objectives into budgets without float noise", () => {
            assert.strictEqual(errorBudget(99.9), "0.001");
            assert.strictEqual(errorBudget(99.5), "0.005");
            assert.strictEqual(errorBudget(95), "0.05");
        });

        it("keeps UIDs within 40 characters and distinct for long names", () => {
            const long = (name: string) => ({
                name,
                namespace: "a-rather-long-namespace-name",
                team: "t",
                availabilityObjective: 99,
                latencyObjective: 90,
                latencyThresholdMs: 100,
            });
            const services = [long("payment-authorisation-gateway"), long("payment-authorisation-gateway-v2")];
            const uids = services.map(sloDashboardUid);
            assert.ok(
                uids.every((uid) => uid.length <= 40),
                uids.join(),
            );
            assert.notStrictEqual(uids[0], uids[1]);
        });
    });

    describe("imported from JSON files (dashboards/, components/grafana/dashboards/imported.ts)", () => {
        it("binds an export's datasource inputs to this stack's UIDs and keeps nothing of the export's wiring", () => {
            const exported = JSON.parse(fs.readFileSync(path.join(DASHBOARDS_DIR, "http-requests.json"), "utf8"));
            assert.deepStrictEqual(
                exported.__inputs.map((input: { name: string }) => input.name),
                ["DS_PROMETHEUS", "DS_LOKI"],
            );
            const model = importedModel(IMPORTED_DASHBOARDS.find((d) => d.file === "http-requests.json")!) as any;
            assert.strictEqual(model.uid, "http-requests");
            for (const key of ["__inputs", "__requires", "id"]) assert.ok(!(key in model), key);
            assert.ok(!JSON.stringify(model).includes("${DS_"), "an input left unbound");
            assert.deepStrictEqual(
                model.panels[0].datasource,
                { type: "prometheus", uid: DATASOURCE_UIDS.prometheus },
                "a datasource given as the input's name",
            );
            assert.deepStrictEqual(model.panels[2].targets[0].datasource, { type: "loki", uid: DATASOURCE_UIDS.loki });
        });

        it("refuses an export whose datasource this stack does not have, naming the input", () => {
            const file = path.join(DASHBOARDS_DIR, "test-unbound-input.json");
            fs.writeFileSync(file, JSON.stringify({ __inputs: [{ name: "DS_INFLUX", type: "datasource", pluginId: "influxdb" }], title: "x", panels: [] }));
            try {
                assert.throws(
                    () => importedModel({ key: "x", file: "test-unbound-input.json", uid: "x", folder: "services", source: "test" }),
                    /test-unbound-input\.json: no datasource of this stack for DS_INFLUX \(influxdb\); allowed plugins: prometheus, loki, tempo/,
                );
            } finally {
                fs.rmSync(file, { force: true });
            }
        });
    });
});

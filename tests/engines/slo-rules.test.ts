import "../helpers/pulumi";
import * as assert from "assert";
import { type AlertRuleDefinition, type AlertRuleInput, alertRuleGroups } from "../../components/grafana/alerting/rules";
import type { IndicatorKey } from "../../components/slo/burnRateRules";
import { type ServiceSlo, sloRecordingRuleGroups } from "../../components/slo/recordingRules";
import { errorBudget, errorRatioRecord, OBJECTIVE_RECORD, SLO_WINDOWS, slowRatioRecord } from "../../components/slo/records";
import { syntaxErrors } from "../helpers/grammars";
import { checkPromQL, runPromtool } from "../helpers/promtool";
import { loadStack } from "../helpers/stacks";
import { type PromtoolTest, promtoolRuleFiles, promtoolTestFile } from "../support/ruleCases/promtoolFiles";
import { sloTraffic, type TrafficPhase } from "../support/ruleCases/slo";
import { counter, series } from "../support/ruleCases/syntheticSeries";

const production = loadStack("production").config;
const inputFor = (services: ServiceSlo[]): AlertRuleInput => ({ namespace: "monitoring", services, managedControlPlane: true });
const service = (overrides: Partial<ServiceSlo> = {}): ServiceSlo => ({
    name: "checkout",
    namespace: "shop",
    team: "payments",
    availabilityObjective: 99.9,
    latencyObjective: 95,
    latencyThresholdMs: 300,
    ...overrides,
});

/** The SRE workbook's window pairs for a 30-day SLO: pages at 14.4× (1h/5m) and 6× (6h/30m), tickets at 3× (1d/2h) and 1× (3d/6h). */
const WORKBOOK_PAIRS = [
    { long: "1h", short: "5m", factor: 14.4, severity: "critical" },
    { long: "6h", short: "30m", factor: 6, severity: "critical" },
    { long: "1d", short: "2h", factor: 3, severity: "warning" },
    { long: "3d", short: "6h", factor: 1, severity: "warning" },
] as const;
const PAGES = WORKBOOK_PAIRS.filter((pair) => pair.severity === "critical");
const TICKETS = WORKBOOK_PAIRS.filter((pair) => pair.severity === "warning");

type Pair = (typeof WORKBOOK_PAIRS)[number];
const INDICATOR_RECORDS: Record<IndicatorKey, (window: (typeof SLO_WINDOWS)[number]) => string> = {
    availability: errorRatioRecord,
    latency: slowRatioRecord,
};

function sloRules(svc: ServiceSlo): AlertRuleDefinition[] {
    const group = alertRuleGroups(inputFor([svc])).find((g) => g.folder === "slos");
    assert.ok(group, "no SLO rule group");
    return group.rules;
}

/** The burn-rate rule of one pair: the rule whose expression reads both of the pair's records. */
function burnRule(svc: ServiceSlo, indicator: IndicatorKey, pair: Pair): AlertRuleDefinition {
    const record = INDICATOR_RECORDS[indicator];
    const found = sloRules(svc).filter((rule) => rule.expr.includes(`${record(pair.long)} /`) && rule.expr.includes(`${record(pair.short)} /`));
    assert.strictEqual(found.length, 1, `${indicator} ${pair.long}/${pair.short}: ${found.map((r) => r.title)}`);
    return found[0];
}

const minutes = (m: number) => `${m}m`;

/** Runs promtool over the stack's rules (recording and alerting) with these tests. */
function promtool(services: ServiceSlo[], tests: PromtoolTest[]) {
    const files = promtoolRuleFiles(inputFor(services));
    return runPromtool(["test", "rules", "slo-test.yml"], { ...files, "slo-test.yml": promtoolTestFile(tests) });
}

/** At `at`, exactly the rules of `firing` fire (with the service's labels) and the other burn-rate rules do not. */
function expectAt(svc: ServiceSlo, indicator: IndicatorKey, at: string, firing: readonly Pair[]): PromtoolTest["alerts"] {
    const labels = { namespace: svc.namespace, service: svc.name, team: svc.team };
    return WORKBOOK_PAIRS.map((pair) => ({
        rule: burnRule(svc, indicator, pair),
        at,
        firing: firing.includes(pair) ? [labels] : [],
    }));
}

describe("SLO recording and burn-rate rules", () => {
    describe("recording rules", () => {
        it("give each service a group of its own holding its SLO as the labels of one series, and share every query in one more group", () => {
            const services = production.services;
            assert.ok(services.length >= 2);
            const groups = sloRecordingRuleGroups(services);
            assert.strictEqual(groups.length, services.length + 1, "a group per service and the shared one");
            assert.strictEqual(new Set(groups.map((g) => g.name)).size, groups.length);
            const own = groups.slice(0, services.length);
            for (const [index, svc] of services.entries()) {
                assert.ok(own[index].name.includes(svc.namespace) && own[index].name.includes(svc.name), own[index].name);
                // The bucket's upper bound in seconds as client libraries write it.
                const le = ({ 300: "0.3", 800: "0.8" } as Record<number, string>)[svc.latencyThresholdMs];
                assert.ok(le, `${svc.name}: no expected bucket for ${svc.latencyThresholdMs} ms`);
                assert.deepStrictEqual(
                    own[index].rules.map((r) => ({ expr: r.expr, labels: r.labels })),
                    [
                        {
                            expr: "vector(1)",
                            labels: {
                                namespace: svc.namespace,
                                service: svc.name,
                                team: svc.team,
                                availability_objective: String(svc.availabilityObjective),
                                latency_objective: String(svc.latencyObjective),
                                le,
                            },
                        },
                    ],
                );
            }
            const shared = groups[services.length];
            const expected = [OBJECTIVE_RECORD, OBJECTIVE_RECORD, ...SLO_WINDOWS.flatMap((w) => [errorRatioRecord(w), slowRatioRecord(w)])].sort();
            assert.deepStrictEqual(shared.rules.map((r) => r.record).sort(), expected);
            for (const rule of shared.rules) {
                for (const svc of services) assert.ok(!rule.expr.includes(`"${svc.name}"`), `a shared rule names ${svc.name}: ${rule.expr}`);
                if (rule.record !== OBJECTIVE_RECORD) {
                    const window = SLO_WINDOWS.find((w) => rule.record.endsWith(`_rate${w}`));
                    assert.ok(window && rule.expr.includes(`[${window}]`), `${rule.record} does not read its window: ${rule.expr}`);
                }
                assert.deepStrictEqual(syntaxErrors("promql", rule.expr), [], rule.expr);
            }
            const check = checkPromQL(groups.flatMap((g) => g.rules.map((r) => r.expr)));
            assert.ok(check.ok, check.output);
        });

        it("record each service's two objectives as ratios, with its team, from its group alone", () => {
            const services = [
                ...production.services,
                service({ name: "ledger", namespace: "bank", team: "money", availabilityObjective: 99.95, latencyObjective: 99.9, latencyThresholdMs: 1000 }),
            ];
            // The ratios written out: 99.9% is 0.999 and so on.
            const ratios: Record<number, number> = { 95: 0.95, 99: 0.99, 99.5: 0.995, 99.9: 0.999, 99.95: 0.9995 };
            const samples = services.flatMap((svc) =>
                (["availability", "latency"] as const).map((sli) => {
                    const percent = sli === "availability" ? svc.availabilityObjective : svc.latencyObjective;
                    assert.ok(ratios[percent], `no expected ratio for ${percent}`);
                    return {
                        labels: `${OBJECTIVE_RECORD}{namespace="${svc.namespace}", service="${svc.name}", sli="${sli}", team="${svc.team}"}`,
                        value: ratios[percent],
                    };
                }),
            );
            // No traffic at all: the objectives are the services' data, recorded whether or not they serve requests.
            const result = promtool(services, [{ series: [], alerts: [], samples: [{ expr: OBJECTIVE_RECORD, at: "2m", samples }] }]);
            assert.ok(result.ok, result.output);
        });

        it("keep the shared group's size whatever the number of services in the same namespaces with the same objectives", () => {
            const many = (count: number) => Array.from({ length: count }, (_, index) => service({ name: `service-${index}`, namespace: `team-${index % 3}` }));
            const sharedBytes = (count: number) => JSON.stringify(sloRecordingRuleGroups(many(count)).at(-1)).length;
            assert.strictEqual(sharedBytes(1000), sharedBytes(3));
            // A service's own group is its data only: a few hundred bytes.
            const perService = JSON.stringify(sloRecordingRuleGroups(many(1000)).slice(0, -1)).length / 1000;
            assert.ok(perService < 300, `${perService} bytes per service`);
        });

        it("pass promtool's own rule checks, including its duplicate-rule lint, with several services", () => {
            const files = promtoolRuleFiles(inputFor(production.services));
            const result = runPromtool(["check", "rules", ...Object.keys(files)], files);
            assert.ok(result.ok, result.output);
            assert.doesNotMatch(result.output, /duplicate/);
        });

        it("measure 0 for a service that never failed (no 5xx series at all) and the bad share otherwise", () => {
            const svc = service();
            const sample = (record: string, value: number) => ({ labels: `${record}{namespace="shop", service="checkout"}`, value });
            const healthy = promtool(
                [svc],
                [
                    {
                        series: sloTraffic(svc, "availability", [{ minutes: 30, badShare: 0 }]),
                        alerts: [],
                        samples: SLO_WINDOWS.filter((w) => w !== "3d").map((w) => ({
                            expr: errorRatioRecord(w),
                            at: "30m",
                            samples: [sample(errorRatioRecord(w), 0)],
                        })),
                    },
                ],
            );
            assert.ok(healthy.ok, healthy.output);
            const half = promtool(
                [svc],
                [
                    {
                        series: sloTraffic(svc, "availability", [{ minutes: 30, badShare: 0.5 }]),
                        alerts: [],
                        samples: [{ expr: errorRatioRecord("5m"), at: "20m", samples: [sample(errorRatioRecord("5m"), 0.5)] }],
                    },
                    {
                        series: sloTraffic(svc, "latency", [{ minutes: 30, badShare: 0.5 }]),
                        alerts: [],
                        samples: [{ expr: slowRatioRecord("1h"), at: "20m", samples: [sample(slowRatioRecord("1h"), 0.5)] }],
                    },
                ],
            );
            assert.ok(half.ok, half.output);
        });

        it('read the latency bucket whole seconds are written in, both as "1" and as "1.0"', () => {
            const svc = service({ latencyThresholdMs: 1000 });
            const record = slowRatioRecord("5m");
            const expected = { labels: `${record}{namespace="shop", service="checkout"}`, value: 0.5 };
            for (const le of ["1", "1.0"]) {
                const series = sloTraffic(svc, "latency", [{ minutes: 20, badShare: 0.5 }]).map((s) => ({
                    ...s,
                    series: s.series.replace('le="1"', `le="${le}"`),
                }));
                const result = promtool([svc], [{ series, alerts: [], samples: [{ expr: record, at: "15m", samples: [expected] }] }]);
                assert.ok(result.ok, `le="${le}": ${result.output}`);
            }
        });
        it("count each service's requests at its own threshold when services with different thresholds share a namespace", () => {
            const fast = service({ name: "fast", latencyThresholdMs: 300 });
            const slow = service({ name: "slow", latencyThresholdMs: 1000 });
            // The same histogram for both: half the requests within 0.3 s, three quarters within 1 s, 1,000 a minute.
            const histogram = (svc: ServiceSlo) => {
                const own = { namespace: svc.namespace, service: svc.name };
                const perMinute = { "0.3": 500, "1": 750, "+Inf": 1000 };
                return [
                    ...Object.entries(perMinute).map(([le, value]) =>
                        series("http_request_duration_seconds_bucket", { ...own, le }, counter([{ minutes: 20, value }])),
                    ),
                    series("http_request_duration_seconds_count", own, counter([{ minutes: 20, value: 1000 }])),
                ];
            };
            const record = slowRatioRecord("5m");
            const result = promtool(
                [fast, slow],
                [
                    {
                        series: [...histogram(fast), ...histogram(slow)],
                        alerts: [],
                        samples: [
                            {
                                expr: record,
                                at: "15m",
                                samples: [
                                    { labels: `${record}{namespace="shop", service="fast"}`, value: 0.5 },
                                    { labels: `${record}{namespace="shop", service="slow"}`, value: 0.25 },
                                ],
                            },
                        ],
                    },
                ],
            );
            assert.ok(result.ok, result.output);
        });

        it("record nothing for a service without an SLO, even in the namespace of one with an SLO", () => {
            const svc = service();
            const stranger = service({ name: "stranger" });
            const traffic = (s: ServiceSlo) => [
                ...sloTraffic(s, "availability", [{ minutes: 20, badShare: 0.5 }]),
                ...sloTraffic(s, "latency", [{ minutes: 20, badShare: 0.5 }]),
            ];
            const only = (record: string) => ({
                expr: record,
                at: "15m",
                samples: [{ labels: `${record}{namespace="shop", service="checkout"}`, value: 0.5 }],
            });
            const result = promtool(
                [svc],
                [{ series: [...traffic(svc), ...traffic(stranger)], alerts: [], samples: [only(errorRatioRecord("5m")), only(slowRatioRecord("5m"))] }],
            );
            assert.ok(result.ok, result.output);
        });
    });

    describe("burn-rate alerts", () => {
        for (const indicator of ["availability", "latency"] as const) {
            it(`${indicator}: pairs the workbook's windows at its factors, each service's budget from its objective series, the team from it too`, () => {
                const objective = `(1 - ${OBJECTIVE_RECORD}{sli="${indicator}"})`;
                for (const pair of WORKBOOK_PAIRS) {
                    const rule = burnRule(service(), indicator, pair);
                    const record = INDICATOR_RECORDS[indicator];
                    assert.strictEqual(rule.comparison, "gt");
                    assert.strictEqual(rule.threshold, pair.factor);
                    assert.strictEqual(rule.severity, pair.severity);
                    assert.strictEqual(rule.team, undefined, "the team comes with each service's series");
                    assert.strictEqual(rule.noDataState, "OK", "no traffic burns no budget");
                    // Both windows, divided by the service's budget (matched on namespace and service), compared at the factor.
                    assert.ok(rule.expr.includes(`${record(pair.long)} / on (namespace, service) group_left (team) ${objective}`), rule.expr);
                    assert.ok(rule.expr.includes(`${record(pair.short)} / on (namespace, service) group_left (team) ${objective} > ${pair.factor}`), rule.expr);
                    assert.deepStrictEqual(syntaxErrors("promql", rule.expr), [], rule.expr);
                }
            });
        }

        it("are one group of nine rules in the SLOs folder, for 1 service or 300, every UID of at most 40 characters", () => {
            const many = Array.from({ length: 300 }, (_, index) => service({ name: `service-${index}`, namespace: `namespace-${index % 9}` }));
            for (const services of [[service()], many]) {
                const groups = alertRuleGroups(inputFor(services)).filter((g) => g.folder === "slos");
                assert.strictEqual(groups.length, 1);
                assert.strictEqual(groups[0].rules.length, 2 * WORKBOOK_PAIRS.length + 1);
                const uids = groups[0].rules.map((r) => r.uid);
                assert.strictEqual(new Set(uids).size, uids.length);
                for (const uid of uids) assert.ok(uid.length <= 40 && /^[A-Za-z0-9_-]+$/.test(uid), uid);
            }
            assert.deepStrictEqual(
                alertRuleGroups(inputFor([])).filter((g) => g.folder === "slos"),
                [],
            );
        });
    });

    describe("under promtool, recording rules and alerts together", () => {
        const svc = service();
        const budget = Number(errorBudget(svc.availabilityObjective));
        const healthy: TrafficPhase = { minutes: 0, badShare: budget / 4 };

        it("a full outage pages (1h/5m) within the short window plus the rule's `for`, and nothing else yet", () => {
            const history = 70;
            const series = sloTraffic(svc, "availability", [
                { ...healthy, minutes: history },
                { minutes: 20, badShare: 1 },
            ]);
            const [fastPage] = PAGES;
            const pageFor = Number(burnRule(svc, "availability", fastPage).for.replace("m", ""));
            const result = promtool(
                [svc],
                [
                    {
                        series,
                        alerts: [
                            ...expectAt(svc, "availability", minutes(history), []),
                            ...expectAt(svc, "availability", minutes(history + 5 + pageFor), [fastPage]),
                        ],
                    },
                ],
            );
            assert.ok(result.ok, result.output);
        });

        it("a slow burn (4× the budget) opens the 3d/6h ticket, then the 1d/2h one, and never pages", () => {
            const history = 24 * 60;
            const burning = 20 * 60;
            const series = sloTraffic(svc, "availability", [
                { ...healthy, minutes: history },
                { minutes: burning, badShare: 4 * budget },
            ]);
            const result = promtool(
                [svc],
                [
                    {
                        series,
                        alerts: [
                            ...expectAt(svc, "availability", minutes(history + 60), []),
                            // With one healthy day behind it, the 3-day ratio passes 1× after 6 h (plus 3 h `for`);
                            // the 1-day ratio needs about 17.6 h to pass 3×.
                            ...expectAt(svc, "availability", minutes(history + 12 * 60), [TICKETS[1]]),
                            ...expectAt(svc, "availability", minutes(history + burning), TICKETS),
                        ],
                    },
                ],
            );
            assert.ok(result.ok, result.output);
        });

        it("a healthy service (a quarter of its budget) stays silent, latency SLI included", () => {
            const span = 26 * 60;
            const checks = [30, 6 * 60, 25 * 60].map(minutes);
            const missingSli = sloRules(svc).find((rule) => rule.uid.endsWith("-lat-sli"))!;
            const result = promtool(
                [svc],
                [
                    {
                        series: sloTraffic(svc, "availability", [{ ...healthy, minutes: span }]),
                        alerts: checks.flatMap((at) => expectAt(svc, "availability", at, [])),
                    },
                    {
                        series: sloTraffic(svc, "latency", [{ minutes: span, badShare: Number(errorBudget(svc.latencyObjective)) / 4 }]),
                        alerts: checks.flatMap((at) => [...expectAt(svc, "latency", at, []), { rule: missingSli, at, firing: [] }]),
                    },
                ],
            );
            assert.ok(result.ok, result.output);
        });

        it("judges each service by its own objective: 3% failing pages a 99.9% service, not a 99% one", () => {
            const strict = service({ name: "payments", team: "money", availabilityObjective: 99.9 });
            const loose = service({ name: "search", team: "find", availabilityObjective: 99 });
            const [fastPage] = PAGES;
            const series = [strict, loose].flatMap((svc) => sloTraffic(svc, "availability", [{ minutes: 30, badShare: 0.03 }]));
            const rule = burnRule(strict, "availability", fastPage);
            const result = promtool(
                [strict, loose],
                [
                    {
                        series,
                        alerts: [{ rule, at: "20m", firing: [{ namespace: strict.namespace, service: strict.name, team: strict.team }] }],
                    },
                ],
            );
            assert.ok(result.ok, result.output);
            // The check can fail: expecting the loose service too is wrong.
            const wrong = promtool(
                [strict, loose],
                [
                    {
                        series,
                        alerts: [{ rule, at: "20m", firing: [strict, loose].map((svc) => ({ namespace: svc.namespace, service: svc.name, team: svc.team })) }],
                    },
                ],
            );
            assert.strictEqual(wrong.ok, false, wrong.output);
        });
    });
});

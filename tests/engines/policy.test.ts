import "../helpers/pulumi";
import { EnforcementLevel } from "@pulumi/pulumi/proto/analyzer_pb";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ObservabilityStack } from "../../components/ObservabilityStack";
import { alertRulesRoutableAndReadable, datasourceFixedUid, productionAlertsReachOnCall } from "../../policy/grafanaApi";
import { chartVersionPinned, grafanaClosedToStrangers, ingressTls, noPlainCredentialsInValues, workloadResources } from "../../policy/helmValues";
import { noDefaultNamespace } from "../../policy/kubernetes";
import { policies } from "../../policy/policies";
import { productionDataProtected, productionGrafanaHighlyAvailable, productionObjectStorage } from "../../policy/production";
import { assertPasses, assertViolation, captureSubjects, checkResource, checkStack, mutated, type PolicySubject, stackViolations } from "../helpers/policyArgs";
import { PACK_DIR, type RunningPack, startPolicyPack } from "../helpers/policyPackProcess";
import { loadStack, TEST_SECRET_VALUES } from "../helpers/stacks";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const stacks: Record<"production" | "dev", PolicySubject[]> = { production: [], dev: [] };

function find(stack: keyof typeof stacks, type: string, predicate: (subject: PolicySubject) => boolean = () => true): PolicySubject {
    const found = stacks[stack].find((subject) => subject.type === type && predicate(subject));
    assert.ok(found, `${stack} has no ${type} matching`);
    return found;
}
const release = (stack: keyof typeof stacks, chart: string) => find(stack, RELEASE, (r) => r.props.chart === chart);

describe("policy pack (policy/)", () => {
    before(async () => {
        for (const stack of ["production", "dev"] as const) {
            const { config, secrets } = loadStack(stack);
            stacks[stack] = await captureSubjects(stack, () => new ObservabilityStack(`policy-${stack}`, { config, secrets }));
        }
    });

    describe("on the program's real resources", () => {
        for (const stack of ["production", "dev"] as const) {
            it(`${stack} passes every policy, mandatory and advisory`, async () => {
                const failures: string[] = [];
                for (const policy of policies) {
                    const { violations } = await stackViolations(policy, stacks[stack]);
                    failures.push(...violations.map((v) => `[${policy.enforcementLevel}] ${policy.name}: ${v.message}`));
                }
                assert.deepStrictEqual(failures, []);
            });
        }

        it("every policy applies to some production resource, so passing is not vacuous", async () => {
            for (const policy of policies) {
                const { applicable } = await stackViolations(policy, stacks.production);
                assert.ok(applicable > 0, `${policy.name} applies to nothing in production`);
            }
        });

        it("production-only policies do not apply to dev", async () => {
            for (const policy of [productionGrafanaHighlyAvailable, productionObjectStorage, productionDataProtected, productionAlertsReachOnCall]) {
                const { applicable } = await stackViolations(policy, stacks.dev);
                assert.strictEqual(applicable, 0, `${policy.name} applies to dev`);
            }
        });
    });

    describe("policy/config/<stack>.json (the CI workflows pass it with --policy-pack-config)", () => {
        const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];
        for (const stack of ["staging", "production"]) {
            it(`${stack}.json names only policies of the pack and settings of their config schemas`, () => {
                const file = path.join(PACK_DIR, "config", `${stack}.json`);
                const config = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
                for (const [name, setting] of Object.entries(config)) {
                    const policy = policies.find((p) => p.name === name);
                    assert.ok(policy, `${file}: "${name}" is not a policy of the pack`);
                    if (typeof setting === "string") {
                        assert.ok(LEVELS.includes(setting), `${file}: ${name}: "${setting}" is not an enforcement level`);
                        continue;
                    }
                    for (const [key, value] of Object.entries(setting as Record<string, unknown>)) {
                        if (key === "enforcementLevel") assert.ok(LEVELS.includes(String(value)), `${file}: ${name}.enforcementLevel`);
                        else assert.ok(policy.configSchema?.properties[key], `${file}: ${name} has no setting "${key}"`);
                    }
                }
            });
        }
    });

    describe(chartVersionPinned.name, () => {
        it("passes the pinned releases and refuses a range, a partial version and no version", async () => {
            assertPasses(await checkResource(chartVersionPinned, release("production", "grafana")));
            assertViolation(
                await checkResource(
                    chartVersionPinned,
                    mutated(release("production", "grafana"), (p) => {
                        p.version = "^12.11.1";
                    }),
                ),
                /"\^12\.11\.1", not one exact version/,
            );
            assertViolation(
                await checkResource(
                    chartVersionPinned,
                    mutated(release("production", "loki"), (p) => {
                        p.version = "18.11";
                    }),
                ),
                /not one exact version/,
            );
            assertViolation(
                await checkResource(
                    chartVersionPinned,
                    mutated(release("dev", "alloy"), (p) => {
                        delete p.version;
                    }),
                ),
                /has no chart version/,
            );
        });
    });

    describe(noPlainCredentialsInValues.name, () => {
        const policy = noPlainCredentialsInValues;
        it("passes values that only name Secrets (existingSecret, passwordKey, envFromSecrets)", async () => {
            const grafana = release("production", "grafana");
            assert.strictEqual(grafana.props.values.admin.existingSecret, "grafana-admin");
            assertPasses(await checkResource(policy, grafana));
        });

        it("flags a credential by its key at any depth, without printing it", async () => {
            const password = TEST_SECRET_VALUES.grafanaDatabasePassword;
            const verdict = await checkResource(
                policy,
                mutated(release("production", "grafana"), (p) => {
                    p.values["grafana.ini"].database.password = password;
                }),
            );
            assertViolation(verdict, /plain text at values\["grafana\.ini"\]\.database\.password/);
            assert.ok(
                verdict.violations.every((v) => !v.message.includes(password)),
                "the violation prints the secret",
            );
            assertViolation(
                await checkResource(
                    policy,
                    mutated(release("production", "loki"), (p) => {
                        p.values.loki.storage.s3 = { secretAccessKey: "AKIAexample" };
                    }),
                ),
                /values\.loki\.storage\.s3\.secretAccessKey/,
            );
            assertViolation(
                await checkResource(
                    policy,
                    mutated(release("production", "kube-prometheus-stack"), (p) => {
                        p.values.alertmanager = { config: { receivers: [{ name: "pd", pagerduty_configs: [{ routing_key: "R0UT1NG" }] }] } };
                    }),
                ),
                /values\.alertmanager\.config\.receivers\[0\]\.pagerduty_configs\[0\]\.routing_key/,
            );
            assertViolation(
                await checkResource(
                    policy,
                    mutated(release("dev", "grafana"), (p) => {
                        p.values.env = { GF_SECURITY_ADMIN_PASSWORD: "admin" };
                    }),
                ),
                /values\.env\.GF_SECURITY_ADMIN_PASSWORD/,
            );
        });

        it("allows references ($__file{}, $__env{}, ${VAR}), file paths and non-credential look-alikes", async () => {
            assertPasses(
                await checkResource(
                    policy,
                    mutated(release("production", "grafana"), (p) => {
                        p.values["grafana.ini"].database.password = "$__file{/etc/secrets/grafana-db/password}";
                        p.values["grafana.ini"].security = { secret_key: "$__env{GF_SECRET_KEY}" };
                        p.values.env = {
                            GF_SECURITY_ADMIN_PASSWORD__FILE: "/etc/secrets/admin",
                            GF_AUTH_GENERIC_OAUTH_TOKEN_URL: "https://idp.example.com/token",
                        };
                        p.values.envFromSecret = "grafana-env";
                        p.values.serviceAccount = { automountServiceAccountToken: true };
                    }),
                ),
            );
            assertPasses(
                await checkResource(
                    policy,
                    mutated(release("production", "loki"), (p) => {
                        p.values.loki.storage.s3 = { secretAccessKey: "${AWS_SECRET_ACCESS_KEY}", accessKeyId: "AKIDEXAMPLE" };
                    }),
                ),
            );
        });
    });

    describe(workloadResources.name, () => {
        it("passes full resources and flags a block that lacks a limit, or a release with none", async () => {
            assertPasses(await checkResource(workloadResources, release("production", "grafana")));
            assertViolation(
                await checkResource(
                    workloadResources,
                    mutated(release("production", "grafana"), (p) => {
                        delete p.values.resources.limits.memory;
                    }),
                ),
                /values\.resources lacks limits\.memory/,
            );
            assertViolation(
                await checkResource(
                    workloadResources,
                    mutated(release("dev", "kube-prometheus-stack"), (p) => {
                        p.values.prometheusOperator.resources = { requests: { cpu: "10m" } };
                    }),
                ),
                /values\.prometheusOperator\.resources lacks requests\.memory, limits\.cpu, limits\.memory/,
            );
            assertViolation(
                await checkResource(
                    workloadResources,
                    mutated(release("dev", "alloy"), (p) => {
                        p.values = {};
                    }),
                ),
                /sets no resources in its values/,
            );
        });

        it("ignores parts the values switch off and volume claims' storage requests", async () => {
            assertPasses(
                await checkResource(
                    workloadResources,
                    mutated(release("production", "grafana"), (p) => {
                        p.values.imageRenderer = { enabled: false, resources: {} };
                    }),
                ),
            );
            const prometheus = release("production", "kube-prometheus-stack");
            assert.ok(prometheus.props.values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage);
            assertPasses(await checkResource(workloadResources, prometheus));
        });
    });

    describe(ingressTls.name, () => {
        it("passes Grafana's ingress with TLS and flags one without, or with a certificate for another host", async () => {
            const grafana = release("production", "grafana");
            assert.strictEqual(grafana.props.values.ingress.enabled, true);
            assertPasses(await checkResource(ingressTls, grafana));
            assertViolation(
                await checkResource(
                    ingressTls,
                    mutated(grafana, (p) => {
                        delete p.values.ingress.tls;
                    }),
                ),
                /values\.ingress is enabled without tls/,
            );
            assertViolation(
                await checkResource(
                    ingressTls,
                    mutated(grafana, (p) => {
                        p.values.ingress.tls = [{ secretName: "x", hosts: ["other.example.com"] }];
                    }),
                ),
                /values\.ingress has no TLS certificate for grafana\.example\.com/,
            );
            assertViolation(
                await checkResource(
                    ingressTls,
                    mutated(release("production", "loki"), (p) => {
                        p.values.gateway = { ingress: { enabled: true, hosts: [{ host: "logs.example.com" }] } };
                    }),
                ),
                /values\.gateway\.ingress is enabled without tls/,
            );
        });
    });

    describe(grafanaClosedToStrangers.name, () => {
        const policy = grafanaClosedToStrangers;
        it("passes Grafana with both turned off explicitly", async () => {
            assertPasses(await checkResource(policy, release("production", "grafana")));
            assertPasses(await checkResource(policy, release("dev", "grafana")));
        });
        it("flags anonymous access or sign-up turned on, left unset, or switched on through env", async () => {
            assertViolation(
                await checkResource(
                    policy,
                    mutated(release("production", "grafana"), (p) => {
                        p.values["grafana.ini"]["auth.anonymous"].enabled = true;
                    }),
                ),
                /turns on Grafana anonymous access: values\["grafana\.ini"\]\["auth\.anonymous"\]\.enabled is true/,
            );
            assertViolation(
                await checkResource(
                    policy,
                    mutated(release("dev", "grafana"), (p) => {
                        delete p.values["grafana.ini"].users;
                    }),
                ),
                /does not turn off Grafana self sign-up/,
            );
            assertViolation(
                await checkResource(
                    policy,
                    mutated(release("dev", "grafana"), (p) => {
                        p.values.env = { GF_USERS_ALLOW_SIGN_UP: "true" };
                    }),
                ),
                /turns on Grafana self sign-up with values\.env\.GF_USERS_ALLOW_SIGN_UP/,
            );
        });
        it("checks the Grafana kube-prometheus-stack bundles when it is not disabled, and no release without Grafana", async () => {
            assert.strictEqual((await checkResource(policy, release("production", "loki"))).applicable, false);
            assert.strictEqual(release("dev", "kube-prometheus-stack").props.values.grafana.enabled, false);
            assert.strictEqual((await checkResource(policy, release("dev", "kube-prometheus-stack"))).applicable, false);
            assertViolation(
                await checkResource(
                    policy,
                    mutated(release("dev", "kube-prometheus-stack"), (p) => {
                        delete p.values.grafana;
                    }),
                ),
                /values\.grafana\["grafana\.ini"\]\["auth\.anonymous"\]\.enabled is not set/,
            );
        });
    });

    describe(noDefaultNamespace.name, () => {
        it("passes the stack's namespace and flags default, explicit or by omission", async () => {
            const secret = find("production", "kubernetes:core/v1:Secret");
            assertPasses(await checkResource(noDefaultNamespace, secret));
            assertPasses(await checkResource(noDefaultNamespace, release("production", "loki")));
            assertViolation(
                await checkResource(
                    noDefaultNamespace,
                    mutated(secret, (p) => {
                        p.metadata.namespace = "default";
                    }),
                ),
                /sets namespace "default"/,
            );
            assertViolation(
                await checkResource(
                    noDefaultNamespace,
                    mutated(release("dev", "loki"), (p) => {
                        delete p.namespace;
                    }),
                ),
                /sets no namespace, so it lands in "default"/,
            );
        });
        it("takes the provider's namespace when the resource sets none, and skips cluster-scoped kinds", async () => {
            const withProvider = mutated(release("dev", "loki"), (p) => {
                delete p.namespace;
            });
            withProvider.provider = {
                type: "pulumi:providers:kubernetes",
                name: "k8s",
                urn: "urn:pulumi:dev::observability::pulumi:providers:kubernetes::k8s",
                props: { namespace: "monitoring" },
            };
            assertPasses(await checkResource(noDefaultNamespace, withProvider));
            assert.strictEqual((await checkResource(noDefaultNamespace, find("production", "kubernetes:core/v1:Namespace"))).applicable, false);
        });
    });

    describe(datasourceFixedUid.name, () => {
        it("passes fixed UIDs and flags a missing or invalid one", async () => {
            const prometheus = find("production", "grafana:oss/dataSource:DataSource", (d) => d.props.type === "prometheus");
            assertPasses(await checkResource(datasourceFixedUid, prometheus));
            assertViolation(
                await checkResource(
                    datasourceFixedUid,
                    mutated(prometheus, (p) => {
                        delete p.uid;
                    }),
                ),
                /"Prometheus" has no fixed uid/,
            );
            assertViolation(
                await checkResource(
                    datasourceFixedUid,
                    mutated(prometheus, (p) => {
                        p.uid = "x".repeat(41);
                    }),
                ),
                /which Grafana refuses/,
            );
        });
    });

    describe(alertRulesRoutableAndReadable.name, () => {
        const group = () => find("production", "grafana:alerting/ruleGroup:RuleGroup", (g) => g.props.rules.some((r: any) => !r.record));
        it("passes the program's rule groups and flags a rule without severity, with an unknown one, or without summary", async () => {
            assertPasses(await checkResource(alertRulesRoutableAndReadable, group()));
            const alertIndex = group().props.rules.findIndex((r: any) => !r.record);
            assertViolation(
                await checkResource(
                    alertRulesRoutableAndReadable,
                    mutated(group(), (p) => {
                        delete p.rules[alertIndex].labels.severity;
                    }),
                ),
                /has no severity label/,
            );
            assertViolation(
                await checkResource(
                    alertRulesRoutableAndReadable,
                    mutated(group(), (p) => {
                        p.rules[alertIndex].labels.severity = "page";
                    }),
                ),
                /severity "page"; routes match only critical, warning, info/,
            );
            assertViolation(
                await checkResource(
                    alertRulesRoutableAndReadable,
                    mutated(group(), (p) => {
                        delete p.rules[alertIndex].annotations.summary;
                    }),
                ),
                /has no summary annotation/,
            );
        });
        it("takes the allowed severities from policy config and ignores recording rules", async () => {
            assertPasses(
                await checkResource(
                    alertRulesRoutableAndReadable,
                    mutated(group(), (p) => {
                        p.rules[0].labels.severity = "page";
                    }),
                    { config: { severities: ["page", "critical", "warning", "info"] } },
                ),
            );
            assertPasses(
                await checkResource(
                    alertRulesRoutableAndReadable,
                    mutated(group(), (p) => {
                        p.rules.push({ name: "rate", record: { from: "A", metric: "x:rate5m" }, datas: [] });
                    }),
                ),
            );
        });
    });

    describe(productionGrafanaHighlyAvailable.name, () => {
        const policy = productionGrafanaHighlyAvailable;
        it("passes production Grafana (2 replicas, PostgreSQL) and flags one replica or SQLite", async () => {
            assertPasses(await checkResource(policy, release("production", "grafana")));
            assertViolation(
                await checkResource(
                    policy,
                    mutated(release("production", "grafana"), (p) => {
                        p.values.replicas = 1;
                        p.values.autoscaling.enabled = false;
                    }),
                ),
                /runs 1 replica in production/,
            );
            assertViolation(
                await checkResource(
                    policy,
                    mutated(release("production", "grafana"), (p) => {
                        p.values.autoscaling.minReplicas = 1;
                    }),
                ),
                /runs 1 replica in production/,
            );
            assertViolation(
                await checkResource(
                    policy,
                    mutated(release("production", "grafana"), (p) => {
                        delete p.values["grafana.ini"].database;
                    }),
                ),
                /keeps its state in SQLite/,
            );
        });
        it("treats a stack as production by its name (policy config) or its environment tag", async () => {
            assert.strictEqual((await checkResource(policy, release("dev", "grafana"))).applicable, false);
            assertViolation(await checkResource(policy, release("dev", "grafana"), { config: { productionStacks: ["dev"] } }), /runs 1 replica in production/);
            assertViolation(await checkResource(policy, release("dev", "grafana"), { stackTags: { environment: "production" } }), /keeps its state in SQLite/);
        });
    });

    describe(productionObjectStorage.name, () => {
        it("passes production Loki and Tempo on S3 and flags local storage", async () => {
            const tempo = find("production", RELEASE, (r) => String(r.props.chart).startsWith("tempo"));
            assertPasses(await checkResource(productionObjectStorage, release("production", "loki")));
            assertPasses(await checkResource(productionObjectStorage, tempo));
            assertViolation(
                await checkResource(
                    productionObjectStorage,
                    mutated(release("production", "loki"), (p) => {
                        p.values.loki.storage.type = "filesystem";
                    }),
                ),
                /values\.loki\.storage\.type is "filesystem"/,
            );
            assertViolation(
                await checkResource(
                    productionObjectStorage,
                    mutated(release("production", "loki"), (p) => {
                        delete p.values.loki.storage.bucketNames;
                    }),
                ),
                /bucketNames\.chunks is not set/,
            );
            const path = tempo.props.chart === "tempo" ? ["tempo", "storage", "trace"] : ["storage", "trace"];
            assertViolation(
                await checkResource(
                    productionObjectStorage,
                    mutated(tempo, (p) => {
                        path.reduce((o, k) => o[k], p.values).backend = "local";
                    }),
                ),
                /trace\.backend is "local"/,
            );
            assert.strictEqual((await checkResource(productionObjectStorage, release("dev", "loki"))).applicable, false);
        });
    });

    describe(productionDataProtected.name, () => {
        it("passes the protected production stack and flags an unprotected release or namespace", async () => {
            assertPasses(await checkStack(productionDataProtected, stacks.production));
            const lokiUrn = release("production", "loki").urn;
            const unprotected = stacks.production.map((s) =>
                s.urn === lokiUrn
                    ? mutated(s, (_, opts) => {
                          opts.protect = false;
                      })
                    : s,
            );
            const verdict = await checkStack(productionDataProtected, unprotected);
            assertViolation(verdict, /"[^"]*loki[^"]*" is not protected, but its volumes hold/);
            assert.deepStrictEqual(
                verdict.violations.map((v) => v.urn),
                [lokiUrn],
            );
            const namespace = find("production", "kubernetes:core/v1:Namespace", (n) => n.props.metadata.name === "monitoring");
            assertViolation(
                await checkStack(
                    productionDataProtected,
                    stacks.production.map((s) =>
                        s === namespace
                            ? mutated(s, (_, opts) => {
                                  opts.protect = false;
                              })
                            : s,
                    ),
                ),
                /Namespace "[^"]+" is not protected, but deleting it deletes the volumes of/,
            );
        });
    });

    describe(productionAlertsReachOnCall.name, () => {
        const policy = productionAlertsReachOnCall;
        const isPaging = (s: PolicySubject) => s.type === "grafana:alerting/contactPoint:ContactPoint" && (s.props.pagerduties ?? []).length > 0;
        it("passes production, whose critical alerts page through PagerDuty", async () => {
            assertPasses(await checkStack(policy, stacks.production));
        });
        it("flags production without a paging contact point, with critical alerts caught before it, or without a notification policy", async () => {
            const withoutPager = stacks.production.map((s) =>
                isPaging(s)
                    ? mutated(s, (p) => {
                          delete p.pagerduties;
                      })
                    : s,
            );
            assertViolation(await checkStack(policy, withoutPager), /sends a severity=critical alert only to .*no contact point has a paging integration/);
            const caughtFirst = stacks.production.map((s) =>
                s.type === "grafana:alerting/notificationPolicy:NotificationPolicy"
                    ? mutated(s, (p) => {
                          p.policies.unshift({ contactPoint: p.contactPoint, matchers: [{ label: "severity", match: "=~", value: "critical|warning" }] });
                      })
                    : s,
            );
            assertViolation(await checkStack(policy, caughtFirst), /sends a severity=critical alert only to/);
            assertViolation(
                await checkStack(
                    policy,
                    stacks.production.filter((s) => s.type !== "grafana:alerting/notificationPolicy:NotificationPolicy"),
                ),
                /has no Grafana notification policy/,
            );
        });
        it("accepts a contact point named on-call in the policy config", async () => {
            const withoutPager = stacks.production.filter((s) => !isPaging(s));
            const policyRoutes = find("production", "grafana:alerting/notificationPolicy:NotificationPolicy");
            assertPasses(
                await checkStack(
                    policy,
                    withoutPager.map((s) =>
                        s === policyRoutes
                            ? mutated(s, (p) => {
                                  p.policies = [];
                              })
                            : s,
                    ),
                    { config: { onCallContactPoints: [policyRoutes.props.contactPoint] } },
                ),
            );
        });
    });
});

describe("policy pack, run as `pulumi preview --policy-pack policy` runs it", () => {
    let pack: RunningPack;
    before(async () => {
        pack = await startPolicyPack();
    });
    after(() => pack?.stop());

    it("loads with the CLI's ts-node settings and serves every policy at its level", async () => {
        const info = await pack.info();
        assert.strictEqual(info.getName(), "observability-guardrails");
        const served = Object.fromEntries(info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]));
        assert.deepStrictEqual(Object.keys(served).sort(), policies.map((p) => p.name).sort());
        for (const name of [
            chartVersionPinned.name,
            noPlainCredentialsInValues.name,
            noDefaultNamespace.name,
            grafanaClosedToStrangers.name,
            ingressTls.name,
        ]) {
            assert.strictEqual(served[name], EnforcementLevel.MANDATORY, `${name} is not mandatory`);
        }
        assert.strictEqual(served[workloadResources.name], EnforcementLevel.ADVISORY);
    });

    it("sees through Pulumi secrets: a password passed as a secret in values is a mandatory violation", async () => {
        const values = {
            admin: { existingSecret: "grafana-admin", passwordKey: "admin-password" },
            "grafana.ini": { database: { password: { [specialSigKey]: specialSecretSig, value: "db-secret" } } },
        };
        const response = await pack.analyze({
            type: RELEASE,
            name: "grafana",
            urn: `urn:pulumi:production::observability::${RELEASE}::grafana`,
            props: { name: "grafana", chart: "grafana", version: "12.11.1", namespace: "monitoring", values },
        });
        const diagnostics = response.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), message: d.getMessage() }));
        const secret = diagnostics.find((d) => d.policy === noPlainCredentialsInValues.name);
        assert.ok(secret, `no ${noPlainCredentialsInValues.name} diagnostic: ${JSON.stringify(diagnostics)}`);
        assert.strictEqual(secret.level, EnforcementLevel.MANDATORY);
        assert.match(secret.message, /values\["grafana\.ini"\]\.database\.password/);
        assert.ok(!secret.message.includes("db-secret"));
    });

    it("reports a chart range as a mandatory violation and production-only policies as not applicable to dev", async () => {
        const response = await pack.analyze({
            type: RELEASE,
            name: "loki",
            urn: `urn:pulumi:dev::observability::${RELEASE}::loki`,
            props: { name: "loki", chart: "loki", version: "~18.11.0", namespace: "monitoring", values: { loki: { storage: { type: "filesystem" } } } },
        });
        const pinned = response.getDiagnosticsList().find((d) => d.getPolicyname() === chartVersionPinned.name);
        assert.ok(pinned && pinned.getEnforcementlevel() === EnforcementLevel.MANDATORY, "no mandatory pinning violation");
        const notApplicable = response.getNotApplicableList().map((n) => n.getPolicyName());
        assert.ok(notApplicable.includes(productionObjectStorage.name), `not applicable: ${notApplicable}`);
    });

    it("with policy/config/production.json, a workload without limits is a mandatory violation", async () => {
        const file = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "config", "production.json"), "utf8")) as Record<string, unknown>;
        await pack.configure(file, Object.fromEntries(policies.map((p) => [p.name, p.enforcementLevel ?? "advisory"])));
        const response = await pack.analyze({
            type: RELEASE,
            name: "alloy",
            urn: `urn:pulumi:production::observability::${RELEASE}::alloy`,
            props: {
                name: "alloy",
                chart: "alloy",
                version: "1.11.1",
                namespace: "monitoring",
                values: { alloy: { resources: { requests: { cpu: "100m", memory: "128Mi" } } } },
            },
        });
        const resources = response.getDiagnosticsList().find((d) => d.getPolicyname() === workloadResources.name);
        assert.ok(resources, "no helm-workload-resources diagnostic");
        assert.strictEqual(resources.getEnforcementlevel(), EnforcementLevel.MANDATORY);
        assert.match(resources.getMessage(), /values\.alloy\.resources lacks limits\.cpu, limits\.memory/);
    });
});

// kube-prometheus-stack's alerts are evaluated by Prometheus and delivered by the chart's Alertmanager, configured
// from the routing definition Grafana's notification policy comes from. Checked with the real engines: Helm renders
// the configuration into the chart's Secret, Alertmanager v0.34.0 (the release the chart deploys) loads and routes it
// (tools/alertmanagerconfig), Grafana's tree is routed by Alertmanager's dispatch as Grafana converts it
// (tools/alertroute), and promtool fires the chart's own KubePodCrashLooping rule from kube-state-metrics' series.
import "../helpers/pulumi";
import * as assert from "assert";
import { stringify } from "yaml";
import {
    ALERTMANAGER_NOTIFIER_SECRET,
    ALWAYS_FIRING_ALERTS,
    alertmanagerConfig,
    NOTIFIER_SECRET_DIR,
    SILENT_RECEIVER,
} from "../../components/prometheus/alertmanagerConfig";
import type { KubernetesObject } from "../../scripts/lib/helmTemplate";
import { allObjects, committedStackManifests } from "../../scripts/lib/stackManifests";
import { type BuiltRouting, buildRouting, ofType, policyTree, route, TYPES } from "../helpers/alertRouting";
import { runPromtool } from "../helpers/promtool";
import { findObject } from "../helpers/rendered";
import { loadStack, STACK_NAMES, TEST_SECRET_VALUES } from "../helpers/stacks";
import { type LoadedAlertmanagerConfig, loadAlertmanagerConfig } from "../support/alertmanagerConfig";

interface AlertingRule {
    alert: string;
    expr: string;
    for?: string;
    labels?: Record<string, string>;
}

interface StackAlerting {
    objects: KubernetesObject[];
    configText: string;
    loaded: LoadedAlertmanagerConfig;
    routing: BuiltRouting;
    /** Every alerting rule of every PrometheusRule the stack creates (charts and program), with its object's name. */
    alerts: Array<AlertingRule & { object: string }>;
}

/** The chart's Secret (templates/alertmanager/secret.yaml: `alertmanager-<crname>`, the crname being the fullname with clean names), key alertmanager.yaml. */
function renderedConfig(objects: KubernetesObject[]): string {
    const secret = findObject(objects, "Secret", "alertmanager-prometheus");
    assert.ok(secret, "the chart renders Alertmanager's configuration Secret");
    return Buffer.from(secret.data["alertmanager.yaml"], "base64").toString("utf8");
}

function alertingRules(objects: KubernetesObject[]): StackAlerting["alerts"] {
    return objects
        .filter((o) => o.kind === "PrometheusRule")
        .flatMap((rule) =>
            (rule.spec.groups as Array<{ rules: any[] }>).flatMap((group) =>
                group.rules.filter((r) => r.alert).map((r) => ({ ...r, object: rule.metadata.name })),
            ),
        );
}

/** An alert as Prometheus sends it: the rule's static labels, its name and the series' labels (a namespace here). */
const firingLabels = (rule: AlertingRule): Record<string, string> => ({ namespace: "shop", ...rule.labels, alertname: rule.alert });

describe("Alertmanager: kube-prometheus-stack's alerts reach the contact points Grafana's alerts reach", function () {
    this.timeout(900_000);
    const built: Record<string, StackAlerting> = {};
    before(async () => {
        for (const stack of STACK_NAMES) {
            const objects = allObjects(committedStackManifests(stack));
            const configText = renderedConfig(objects);
            built[stack] = {
                objects,
                configText,
                loaded: loadAlertmanagerConfig(configText),
                routing: await buildRouting(stack),
                alerts: alertingRules(objects),
            };
        }
    });

    it("a configuration Alertmanager refuses is refused with its own message", () => {
        assert.throws(() => loadAlertmanagerConfig("route:\n  receiver: nobody\nreceivers:\n- name: somebody\n"), /undefined receiver "nobody" used in route/);
        assert.throws(
            () => loadAlertmanagerConfig("route:\n  receiver: x\nreceivers:\n- name: x\n  email_configs:\n  - to: a@example.com\n"),
            /no global SMTP smarthost set/,
        );
    });

    it("mentions the channel where Grafana's Slack notifier does (attachment pretext), and Alertmanager loads it", () => {
        const { config } = loadStack("staging", { alerting: JSON.stringify({ slack: { mentionChannel: "here" } }) });
        const rendered = alertmanagerConfig(config.alerting, config.grafana.smtp) as { receivers: Array<{ name: string; slack_configs?: any[] }> };
        const [slack] = rendered.receivers.find((r) => r.slack_configs)!.slack_configs!;
        assert.strictEqual(slack.pretext, "<!here|here>");
        assert.strictEqual(slack.text, undefined, "the message keeps Alertmanager's default text");
        assert.ok(loadAlertmanagerConfig(stringify(rendered)).receivers.some((r) => r.integrations.slack === 1));
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it("the stack defines kube-prometheus-stack's default alerts, so it runs Alertmanager and Prometheus sends to it", () => {
                const { objects, alerts } = built[stack];
                assert.ok(alerts.length > 100, `${alerts.length} alerting rules`);
                const prometheus = findObject(objects, "Prometheus", "prometheus")!;
                assert.deepStrictEqual(
                    prometheus.spec.alerting.alertmanagers.map((a: any) => [a.namespace, a.name, a.port]),
                    [["monitoring", "prometheus-alertmanager", "http-web"]],
                );
                const service = findObject(objects, "Service", "prometheus-alertmanager")!;
                assert.ok(
                    service.spec.ports.some((p: any) => p.name === "http-web"),
                    "the Service has the port Prometheus names",
                );
            });

            it("Alertmanager v0.34.0 loads the rendered file: the same contact points as Grafana, of the same kinds, plus one that notifies nobody", () => {
                const { loaded, routing } = built[stack];
                const kind = (point: any) => ["slacks", "emails", "pagerduties"].find((key) => point.inputs[key] !== undefined)!;
                const grafanaKinds = Object.fromEntries(
                    ofType(routing.resources, TYPES.contactPoint)
                        .filter((point) => point.inputs.name !== SILENT_RECEIVER)
                        .map((point) => [point.inputs.name, { slacks: "slack", emails: "email", pagerduties: "pagerduty" }[kind(point)!]]),
                );
                const alertmanagerKinds = Object.fromEntries(
                    loaded.receivers.filter((r) => r.name !== SILENT_RECEIVER).map((r) => [r.name, Object.keys(r.integrations).join(",")]),
                );
                assert.deepStrictEqual(alertmanagerKinds, grafanaKinds);
                assert.deepStrictEqual(loaded.receivers.find((r) => r.name === SILENT_RECEIVER)?.integrations, {});
                // The chart's own inhibit rules stay (critical mutes warning and info of the same alert, InfoInhibitor mutes info).
                assert.strictEqual(loaded.inhibitRules, 4);
                const { config } = loadStack(stack);
                assert.deepStrictEqual(loaded.timeIntervals, [config.alerting.maintenanceWindow.name]);
            });

            it("reads every credential from the Secret the program creates, mounted by the operator; none is in the rendered file", () => {
                const { loaded, objects, configText } = built[stack];
                const files = loaded.receivers.flatMap((r) => r.secretFiles);
                const secret = findObject(objects, "Secret", ALERTMANAGER_NOTIFIER_SECRET);
                const alertmanager = objects.find((o) => o.kind === "Alertmanager")!;
                if (files.length === 0) {
                    assert.strictEqual(secret, undefined, "no credentials, no Secret");
                    return;
                }
                assert.ok(secret, "the program creates the notifiers' Secret");
                assert.ok(alertmanager.spec.secrets.includes(ALERTMANAGER_NOTIFIER_SECRET), "the operator mounts it");
                for (const file of files) {
                    assert.ok(file.startsWith(`${NOTIFIER_SECRET_DIR}/`), file);
                    assert.ok(Object.keys(secret.stringData).includes(file.slice(NOTIFIER_SECRET_DIR.length + 1)), `${file}: no such key in the Secret`);
                }
                for (const [key, value] of Object.entries(TEST_SECRET_VALUES)) assert.ok(!configText.includes(value), `${key} is in the configuration`);
            });

            it("every alert of every PrometheusRule reaches, in Alertmanager, exactly the contact points the same labels reach in Grafana, muted and timed alike", () => {
                const { alerts, loaded, configText, routing } = built[stack];
                const labelSets = alerts.map(firingLabels);
                const delivered = loadAlertmanagerConfig(configText, labelSets).matches;
                const tree = policyTree(routing.resources);
                const mismatches: string[] = [];
                // Receiver, mute timings and the timings Alertmanager resolves (own or inherited), in its notation ("1d").
                labelSets.forEach((labels, index) => {
                    const inAlertmanager = delivered[index].map((m) => [m.receiver, m.muteTimeIntervals, m.groupWait, m.repeatInterval]);
                    const expected = (ALWAYS_FIRING_ALERTS as readonly string[]).includes(labels.alertname)
                        ? inAlertmanager.length === 1 && inAlertmanager[0][0] === SILENT_RECEIVER
                            ? inAlertmanager
                            : [[SILENT_RECEIVER]]
                        : route(tree, labels).map((d) => [d.receiver, d.muteTimings, d.groupWait, d.repeatInterval]);
                    if (JSON.stringify(inAlertmanager) !== JSON.stringify(expected)) {
                        mismatches.push(
                            `${alerts[index].object}/${labels.alertname} (${labels.severity}): Alertmanager ${inAlertmanager} vs Grafana ${expected}`,
                        );
                    }
                });
                assert.deepStrictEqual(mismatches, []);
                assert.ok(loaded.receivers.length > 0);
            });
        });
    }

    // KubePodCrashLooping as the chart writes it, fired by promtool from the series kube-state-metrics exports for a
    // container in CrashLoopBackOff: `kube_pod_container_status_waiting_reason{namespace, pod, uid, container, reason}`
    // (kubernetes/kube-state-metrics internal/store/pod.go, createPodContainerStatusWaitingReasonFamilyGenerator), with
    // the job label of its ServiceMonitor's Service (kube-state-metrics' chart, `app.kubernetes.io/name`).
    const CRASH_LOOPING = {
        __name__: "kube_pod_container_status_waiting_reason",
        namespace: "shop",
        pod: "checkout-7d9f-abcde",
        uid: "0d5c6f5e-1",
        container: "checkout",
        reason: "CrashLoopBackOff",
        job: "kube-state-metrics",
        instance: "10.0.0.7:8080",
    };
    // Who is told, by stack: dev has no notifier; staging and production send warnings by email (the guide's tree).
    const EXPECTED_RECEIVER: Record<(typeof STACK_NAMES)[number], string[]> = {
        dev: ["No Notifications"],
        staging: ["Email Notifications"],
        production: ["Email Notifications"],
    };
    for (const stack of STACK_NAMES) {
        it(`${stack}: a crash-looping pod fires the chart's KubePodCrashLooping after 15 minutes, and Alertmanager delivers it to ${EXPECTED_RECEIVER[stack]}`, () => {
            const rule = built[stack].alerts.find((a) => a.alert === "KubePodCrashLooping")!;
            assert.ok(rule, "the chart's rule is rendered");
            const series = `${CRASH_LOOPING.__name__}{${Object.entries(CRASH_LOOPING)
                .filter(([k]) => k !== "__name__")
                .map(([k, v]) => `${k}="${v}"`)
                .join(", ")}}`;
            const { __name__: _, ...seriesLabels } = CRASH_LOOPING;
            const firing = { ...seriesLabels, ...rule.labels };
            const test = {
                rule_files: ["rules.yml"],
                evaluation_interval: "1m",
                tests: [
                    {
                        interval: "1m",
                        input_series: [{ series, values: "1x30" }],
                        alert_rule_test: [
                            { eval_time: "10m", alertname: "KubePodCrashLooping", exp_alerts: [] },
                            {
                                eval_time: "20m",
                                alertname: "KubePodCrashLooping",
                                exp_alerts: [{ exp_labels: firing, exp_annotations: expectedAnnotations(rule, firing) }],
                            },
                        ],
                    },
                ],
            };
            const rules = { groups: [{ name: "kubernetes-apps", rules: [rule].map(({ object: _o, ...r }) => r) }] };
            const result = runPromtool(["test", "rules", "test.yml"], { "rules.yml": stringify(rules), "test.yml": stringify(test) });
            assert.ok(result.ok, result.output);
            const [routes] = loadAlertmanagerConfig(built[stack].configText, [{ ...firing, alertname: "KubePodCrashLooping" }]).matches;
            assert.deepStrictEqual(
                routes.map((r) => r.receiver),
                EXPECTED_RECEIVER[stack],
            );
        });
    }
});

/** The rule's annotations with its `$labels.x` templates filled from the alert's labels (promtool compares them). */
function expectedAnnotations(rule: AlertingRule & { annotations?: Record<string, string> }, labels: Record<string, string>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(rule.annotations ?? {}).map(([key, text]) => [key, text.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, name) => labels[name] ?? "")]),
    );
}

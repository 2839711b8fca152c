// Defaults per environment. A stack's Pulumi.<stack>.yaml states only what differs from its preset.
// dev must fit a laptop cluster (≤ 1 CPU and 2 GiB requested in all); production must outgrow one machine.
// Each backend's section comes from its folder (components/<backend>/settings.ts) through the registry.
import { BACKEND_KEYS, BACKENDS } from "../components/backends";
import type { PresetName, StackConfigInput } from "./schema";

type BackendPresets = Pick<StackConfigInput, (typeof BACKEND_KEYS)[number]>;
const backends = (preset: PresetName) => Object.fromEntries(BACKEND_KEYS.map((key) => [key, BACKENDS[key].settings.presets[preset]])) as BackendPresets;

const sharedAlerting: StackConfigInput["alerting"] = {
    disableProvenance: false,
    slack: { enabled: false, recipient: "#platform-alerts", username: "Grafana Alerts", mentionChannel: "here" },
    email: { enabled: false, addresses: ["platform-team@example.com"] },
    pagerduty: { enabled: false, class: "infrastructure", component: "grafana", group: "monitoring" },
    maintenanceWindow: {
        name: "maintenance-window",
        weekdays: ["sunday"],
        startTime: "02:00",
        endTime: "04:00",
        location: "America/New_York",
    },
};

const dev: StackConfigInput = {
    preset: "dev",
    namespace: "monitoring",
    protectData: false,
    cluster: { distribution: "kind" },
    ingress: { className: "nginx", controllerNamespace: "ingress-nginx" },
    ...backends("dev"),
    alerting: sharedAlerting,
    services: [],
};

const staging: StackConfigInput = {
    ...dev,
    preset: "staging",
    // A cluster whose control-plane metrics listen on node addresses: they are scraped and alerted on.
    cluster: { distribution: "self-managed" },
    ...backends("staging"),
    alerting: { ...sharedAlerting, slack: { ...sharedAlerting.slack, enabled: true }, email: { ...sharedAlerting.email, enabled: true } },
};

const production: StackConfigInput = {
    ...staging,
    preset: "production",
    // Losing the TSDB, the log and trace indexes or Grafana's database is not an acceptable side effect of
    // a typo in a PR; lifting this is a deliberate, reviewed change (README, Operations).
    protectData: true,
    cluster: { distribution: "eks" },
    // Sized on paper for 1M active series, 100 GB of logs/day and 5k spans/s: docs/sizing.md derives the numbers
    // (tests/unit/sizing.test.ts keeps them equal to its table); each backend's sizes are in its settings.ts.
    ...backends("production"),
    alerting: { ...staging.alerting, pagerduty: { ...sharedAlerting.pagerduty, enabled: true } },
};

export const PRESETS: Record<PresetName, StackConfigInput> = { dev, staging, production };

// The readiness gate in front of the Grafana providers: the network probe (probe.ts), the operator-facing
// diagnosis (diagnosis.ts), the wait (wait.ts) and the dynamic resource that runs it in `pulumi up` (provider.ts).
export { type EndpointHints, type ReadinessCheck, explainNotReady } from "./diagnosis";
export { type Probe, type Stage, probeGrafana } from "./probe";
export { type GrafanaEndpointReadyArgs, GrafanaEndpointReady, READINESS_TIMEOUT_SECONDS, grafanaEndpointProvider } from "./provider";
export { type Ready, type WaitOptions, waitForGrafana } from "./wait";

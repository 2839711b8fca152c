// The readiness gate in front of the Grafana providers: the network probe (probe.ts), the operator-facing
// diagnosis (diagnosis.ts), the wait (wait.ts) and the dynamic resource that runs it in `pulumi up` (provider.ts).
export { type EndpointHints, explainNotReady, type ReadinessCheck } from "./diagnosis";
export { type Probe, probeGrafana, type Stage } from "./probe";
export { GrafanaEndpointReady, type GrafanaEndpointReadyArgs, grafanaEndpointProvider, READINESS_TIMEOUT_SECONDS } from "./provider";
export { type Ready, type WaitOptions, waitForGrafana } from "./wait";

// The readiness gate in front of the Grafana providers: the network probe (probe.ts), the operator-facing
// diagnosis (diagnosis.ts), the wait (wait.ts), the dynamic provider that runs it in `pulumi up` (provider.ts),
// its serialized text (serialized.ts) and the resource (gate.ts).
export { type EndpointHints, explainNotReady, type ReadinessCheck } from "./diagnosis";
export { ENDPOINT_READY_TYPE, GrafanaEndpointReady, type GrafanaEndpointReadyArgs } from "./gate";
export { type Probe, probeGrafana, type Stage } from "./probe";
export { grafanaEndpointProvider, READINESS_TIMEOUT_SECONDS } from "./provider";
export { prebuiltProviderText, serializeProvider } from "./serialized";
export { type Ready, type WaitOptions, waitForGrafana } from "./wait";

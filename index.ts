// The program: read and validate the stack's config (nothing is registered if it is wrong), build the
// stack, export what platform teams read.
import { ObservabilityStack } from "./components/ObservabilityStack";
import { assertCompiledProgramIsCurrent } from "./stacks/compiledProgram";
import { loadStackConfig } from "./stacks/config";
import { clusterStorageClasses } from "./stacks/storageClasses";

assertCompiledProgramIsCurrent(__filename);
const { config, secrets } = loadStackConfig();
const stack = new ObservabilityStack("observability", { config, secrets, storageClasses: clusterStorageClasses() });

export const namespace = stack.namespace;
export const grafanaUrl = stack.grafanaUrl;
export const prometheusUrl = stack.prometheusUrl;
export const lokiUrl = stack.lokiUrl;
export const tempoUrl = stack.tempoUrl;
export const pyroscopeUrl = stack.pyroscopeUrl;
export const alertmanagerUrl = stack.alertmanagerUrl;
export const otlpGrpcEndpoint = stack.otlpGrpcEndpoint;
export const otlpHttpEndpoint = stack.otlpHttpEndpoint;
export const profilesPushUrl = stack.profilesPushUrl;
export const grafanaAdminUser = stack.grafanaAdminUser;
export const grafanaAdminPassword = stack.grafanaAdminPassword;
export const portForwardCommands = config.preset === "dev" ? stack.portForwardCommands : undefined;
export const datasourceUids = stack.datasourceUids;
export const folderUids = stack.folderUids;
export const dashboardUrls = stack.dashboardUrls;
// Secret bookkeeping, read back by the next deployment of this stack: see README "State that reads back unchanged".
// Its name is FINGERPRINTS_OUTPUT (components/grafana/alerting/contactPointFingerprints.ts).
export const contactPointFingerprints = stack.contactPointFingerprints;

// The pack's policies, in the order the CLI reports them. Levels are deliberate: mandatory where a
// violation is a security hole, lost data or a stack that cannot page; advisory where the check is a
// heuristic over chart values (the test suite holds the exact rule).
import type { Policies } from "@pulumi/policy";
import { alertRulesRoutableAndReadable, datasourceFixedUid, productionAlertsReachOnCall } from "./grafanaApi";
import { chartVersionPinned, grafanaClosedToStrangers, ingressTls, noPlainCredentialsInValues, workloadResources } from "./helmValues";
import { noDefaultNamespace } from "./kubernetes";
import { productionDataProtected, productionGrafanaHighlyAvailable, productionObjectStorage } from "./production";

export const policies: Policies = [
    chartVersionPinned,
    noPlainCredentialsInValues,
    workloadResources,
    ingressTls,
    grafanaClosedToStrangers,
    noDefaultNamespace,
    datasourceFixedUid,
    alertRulesRoutableAndReadable,
    productionGrafanaHighlyAvailable,
    productionObjectStorage,
    productionDataProtected,
    productionAlertsReachOnCall,
];

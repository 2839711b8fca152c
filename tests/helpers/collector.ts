// The collector built under Pulumi's mocks for a stack, as the collector tests read it.
import { Collector, type CollectorArgs } from "../../components/collector/Collector";
import { COLLECTOR_RELEASE } from "../../components/collector/names";
import { HELM_RELEASE_TYPE } from "../../components/helm";
import type { StackConfig } from "../../stacks/schema";
import { captureResources, type RecordedResource } from "./pulumi";
import { loadStack } from "./stacks";

export interface BuiltCollector {
    config: StackConfig;
    collector: Collector;
    resources: RecordedResource[];
    /** The values of the collector's own release (COLLECTOR_RELEASE; the eBPF profiler's is another). */
    values: Record<string, any>;
    lokiPushUrl: string;
    tempoEndpoint: string;
    pyroscopeWriteUrl: string;
}

let builds = 0;
/** `overrides`: stack-file keys and their values (as in Pulumi.<stack>.yaml); `args`: the component's arguments to replace. */
export async function buildCollector(
    stack: string,
    { overrides = {}, args = {} }: { overrides?: Record<string, unknown>; args?: Partial<CollectorArgs> } = {},
): Promise<BuiltCollector> {
    const { config } = loadStack(stack, Object.fromEntries(Object.entries(overrides).map(([key, value]) => [key, JSON.stringify(value)])));
    // Distinct per stack, so a test can tell the given endpoints from anything hard-coded.
    const lokiPushUrl = `http://loki-${stack}.monitoring.svc.cluster.local:3100/loki/api/v1/push`;
    const tempoEndpoint = `tempo-${stack}-distributor.monitoring.svc.cluster.local:4317`;
    const pyroscopeWriteUrl = `http://pyroscope-${stack}.monitoring.svc.cluster.local:4040`;
    let collector: Collector | undefined;
    const resources = await captureResources(() => {
        collector = new Collector(`collector-${stack}-${builds++}`, {
            namespace: config.namespace,
            settings: config.collector,
            lokiPushUrl,
            tempoOtlpGrpcEndpoint: tempoEndpoint,
            pyroscopeWriteUrl,
            ...args,
        });
    });
    const release = resources.find((r) => r.type === HELM_RELEASE_TYPE && r.inputs.name === COLLECTOR_RELEASE)!;
    return { config, collector: collector!, resources, values: release.inputs.values, lokiPushUrl, tempoEndpoint, pyroscopeWriteUrl };
}

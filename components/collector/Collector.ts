import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../stacks/schema";
import { chartRelease } from "../helm";
import { OTLP_GRPC_PORT, OTLP_HTTP_PORT } from "../vocabulary";
import { alloyConfig } from "./alloy/config";
import { SHARED_RELEASE_VALUES } from "./chart";
import { COLLECTOR_RELEASE, PROFILES_PUSH_PORT } from "./names";
import { Profiler } from "./Profiler";

export interface CollectorArgs {
    /** Namespace to install into (created by the ObservabilityStack). */
    namespace: pulumi.Input<string>;
    /** The stack's validated `collector` settings. */
    settings: StackConfig["collector"];
    /** Loki's push API, e.g. "http://loki-gateway.monitoring.svc.cluster.local/loki/api/v1/push". */
    lokiPushUrl: pulumi.Input<string>;
    /** Tempo's OTLP gRPC receiver as "host:port". */
    tempoOtlpGrpcEndpoint: pulumi.Input<string>;
    /** Tenant sent as X-Scope-OrgID when Loki runs multi-tenant; unset sends none. */
    lokiTenantId?: pulumi.Input<string>;
    /** Pyroscope's push API, e.g. "http://pyroscope-distributor.monitoring.svc.cluster.local:4040" (pyroscope.write appends the path). */
    pyroscopeWriteUrl: pulumi.Input<string>;
}

/**
 * Grafana Alloy from the `alloy` chart: pod logs and Kubernetes events into Loki, an OTLP endpoint
 * (gRPC 4317, HTTP 4318) whose traces go to Tempo and whose logs go to Loki's native OTLP endpoint, and profiles
 * into Pyroscope: scraped from the pods annotated for it, and pushed by Pyroscope SDKs (HTTP 4040).
 *
 * Logs are tailed through the Kubernetes API (`loki.source.kubernetes`), not from node files, so Alloy
 * needs no hostPath mounts, no root and no DaemonSet: a Deployment reads the whole cluster, and with
 * clustering on, extra replicas split the pods to tail between them instead of each tailing all of them.
 */
export class Collector extends pulumi.ComponentResource {
    /** Where applications send OTLP over gRPC ("host:port"). */
    public readonly otlpGrpcEndpoint: pulumi.Output<string>;
    /** Where applications send OTLP over HTTP (URL). */
    public readonly otlpHttpEndpoint: pulumi.Output<string>;
    /** Where applications push profiles with a Pyroscope SDK (its server address). */
    public readonly profilesPushUrl: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;
    /** The eBPF profiler, with `collector.profiling.ebpf`. */
    public readonly profiler?: Profiler;

    constructor(name: string, args: CollectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:stack:Collector", name, {}, opts);
        const { namespace } = args;

        this.release = chartRelease(
            `${name}-release`,
            {
                chart: "alloy",
                releaseName: COLLECTOR_RELEASE,
                namespace,
                values: pulumi
                    .all([namespace, args.lokiPushUrl, args.tempoOtlpGrpcEndpoint, args.lokiTenantId, args.pyroscopeWriteUrl])
                    .apply(([ns, lokiPushUrl, tempoOtlpGrpcEndpoint, lokiTenantId, pyroscopeWriteUrl]) =>
                        collectorValues({
                            namespace: ns,
                            settings: args.settings,
                            lokiPushUrl,
                            tempoOtlpGrpcEndpoint,
                            lokiTenantId,
                            pyroscopeWriteUrl,
                        }),
                    ),
            },
            { parent: this },
        );

        if (args.settings.profiling.ebpf) {
            this.profiler = new Profiler(
                `${name}-profiler`,
                { namespace, resources: args.settings.profiling.resources, pyroscopeWriteUrl: args.pyroscopeWriteUrl },
                { parent: this },
            );
        }

        const host = pulumi.interpolate`${COLLECTOR_RELEASE}.${namespace}.svc.cluster.local`;
        this.otlpGrpcEndpoint = pulumi.interpolate`${host}:${OTLP_GRPC_PORT}`;
        this.otlpHttpEndpoint = pulumi.interpolate`http://${host}:${OTLP_HTTP_PORT}`;
        this.profilesPushUrl = pulumi.interpolate`http://${host}:${PROFILES_PUSH_PORT}`;

        this.registerOutputs({ otlpGrpcEndpoint: this.otlpGrpcEndpoint, otlpHttpEndpoint: this.otlpHttpEndpoint, profilesPushUrl: this.profilesPushUrl });
    }
}

/** The `alloy` user of grafana/alloy's image. */
const ALLOY_UID = 473;

export interface CollectorValuesArgs {
    namespace: string;
    settings: StackConfig["collector"];
    lokiPushUrl: string;
    tempoOtlpGrpcEndpoint: string;
    lokiTenantId?: string;
    pyroscopeWriteUrl: string;
}

/** The chart values; every key is a real key of the alloy chart (tests check it). */
export function collectorValues(args: CollectorValuesArgs): Record<string, unknown> {
    const { settings } = args;
    return {
        // PodLogs CRDs serve loki.source.podlogs, which this configuration does not use.
        crds: { create: false },
        controller: { type: "deployment", replicas: 1 },
        // Pod Security `restricted` (the level the namespace warns and audits at) for every container: found by
        // tests/engines/pod-security.test.ts, which judged the rendered chart with the API server's own library. 473 is
        // the alloy user of Grafana's image; the chart's config reloader already runs restricted as 65534.
        global: {
            podSecurityContext: {
                runAsNonRoot: true,
                runAsUser: ALLOY_UID,
                runAsGroup: ALLOY_UID,
                fsGroup: ALLOY_UID,
                seccompProfile: { type: "RuntimeDefault" },
            },
        },
        alloy: {
            configMap: { create: true, content: alloyConfig(args) },
            clustering: { enabled: true },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, runAsUser: ALLOY_UID },
            enableReporting: false,
            resources: settings.resources,
            extraPorts: [
                { name: "otlp-grpc", port: OTLP_GRPC_PORT, targetPort: OTLP_GRPC_PORT, protocol: "TCP" },
                { name: "otlp-http", port: OTLP_HTTP_PORT, targetPort: OTLP_HTTP_PORT, protocol: "TCP" },
                { name: "profiles", port: PROFILES_PUSH_PORT, targetPort: PROFILES_PUSH_PORT, protocol: "TCP" },
            ],
            // Kubernetes API sources need no node files.
            mounts: { varlog: false, dockercontainers: false },
        },
        ...SHARED_RELEASE_VALUES,
    };
}

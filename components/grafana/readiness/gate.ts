// The gate's resource: Pulumi's dynamic resource of the provider in provider.ts, registered as
// `pulumi.dynamic.Resource` registers one (type `pulumi-nodejs:dynamic/grafana:EndpointReady`, the provider's
// serialized text as `__provider`), with that text from serialized.ts.
import * as pulumi from "@pulumi/pulumi";
import { READINESS_TIMEOUT_SECONDS } from "./provider";
import { providerText } from "./serialized";

/** The type `pulumi.dynamic.Resource` gives module "grafana", type "EndpointReady"; the state holds it. */
export const ENDPOINT_READY_TYPE = "pulumi-nodejs:dynamic/grafana:EndpointReady";

/** Inputs of the gate resource. */
export interface GrafanaEndpointReadyArgs {
    url: pulumi.Input<string>;
    timeoutSeconds?: pulumi.Input<number>;
    publicHost?: pulumi.Input<string>;
    namespace?: pulumi.Input<string>;
    ingressClassName?: pulumi.Input<string>;
    ingressControllerNamespace?: pulumi.Input<string>;
    clusterIssuer?: pulumi.Input<string>;
    tlsSecretName?: pulumi.Input<string>;
    tlsSecretConfigured?: pulumi.Input<boolean>;
}

/**
 * Ready when Grafana answers its health check at `url`; the providers depend on it, so they call nothing
 * before. Created or updated in `pulumi up` only: preview plans it, mocks fake it.
 */
export class GrafanaEndpointReady extends pulumi.CustomResource {
    // `declare`: the superclass sets the outputs; a class field (ES2022) would reset them to undefined.
    /** The URL, once Grafana answers there. */
    declare public readonly url: pulumi.Output<string>;
    /** Grafana's version as /api/health reported it (empty when Grafana hides it). */
    declare public readonly grafanaVersion: pulumi.Output<string>;

    constructor(name: string, args: GrafanaEndpointReadyArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            ENDPOINT_READY_TYPE,
            name,
            {
                ...args,
                timeoutSeconds: args.timeoutSeconds ?? READINESS_TIMEOUT_SECONDS,
                grafanaVersion: undefined,
                __provider: providerText(),
            },
            opts,
        );
    }
}

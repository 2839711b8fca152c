// A readiness gate in front of the Grafana providers: on a first install the public host has no DNS record
// or certificate yet, and the provider would only fail with a transport error. The gate waits for Grafana's
// /api/health over the same URL the providers use, and when it gives up says which step is not ready.
//
// The dynamic provider below is serialized into the state and run by Pulumi's dynamic provider host, away
// from this program: its functions must not refer to anything of this module but functions, nor to an
// exported constant (TypeScript compiles those to `exports.X`, which would capture this whole module,
// @pulumi/pulumi with it). What they call lives in wait.ts, diagnosis.ts and probe.ts, whose module objects
// are serialized with them: those import nothing at run time but each other and Node's built-ins.
import type * as pulumi from "@pulumi/pulumi";
import type { ReadinessCheck } from "./diagnosis";
import { displayUrl } from "./probe";
import { waitForGrafana } from "./wait";

/**
 * How long `pulumi up` waits for Grafana's endpoint before it fails with a diagnosis. A first install needs
 * the DNS record for the host (created by hand or by external-dns), then cert-manager's certificate
 * (HTTP-01 issuance typically takes 1-3 minutes once the name resolves), then Grafana's pods behind the ingress.
 */
export const READINESS_TIMEOUT_SECONDS = 15 * 60;

/** Outputs kept in the state: the inputs, and the version Grafana reported. */
async function checkedOutputs(inputs: ReadinessCheck & Record<string, unknown>): Promise<Record<string, unknown>> {
    const ready = await waitForGrafana(inputs);
    const outs: Record<string, unknown> = { ...inputs, grafanaVersion: ready.version ?? "" };
    delete outs.__provider;
    return outs;
}

/**
 * The dynamic provider: create and update wait (they run only in `pulumi up`, never in preview); a
 * change of URL or timeout waits again, other changes (the hints) do not; delete has nothing to do.
 */
export const grafanaEndpointProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: ReadinessCheck & Record<string, unknown>) {
        return { id: displayUrl(inputs.url), outs: await checkedOutputs(inputs) };
    },
    async update(_id: string, _olds: Record<string, unknown>, news: ReadinessCheck & Record<string, unknown>) {
        return { outs: await checkedOutputs(news) };
    },
    async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
        const changed = olds.url !== news.url || Number(olds.timeoutSeconds) !== Number(news.timeoutSeconds);
        return { changes: changed, replaces: [] };
    },
};

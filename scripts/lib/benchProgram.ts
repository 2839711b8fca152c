// Child process of scripts/lib/childEvaluation.ts: one evaluation per process, as `pulumi preview` does.
// Self-contained (it loads nothing of this repository but the program), so a floor run loads only the
// SDKs. Transpiled to JavaScript before it runs; under `-r ts-node/register` it evaluates index.ts the
// way Pulumi's `typescript: true` runtime would. Writes one JSON result beside its run file and exits.
// - BENCH_MODE=floor: loads the SDKs the program uses, the cost every evaluation pays before it starts (after
//   what the runtime itself loads first, given by the parent: source-map-support and Pulumi.yaml's nodeargs).
// - BENCH_MODE=program: evaluates BENCH_PROGRAM under Pulumi mocks with the config of the file BENCH_RUN_FILE names. Times are ms
//   since the process started; `evaluatedMs` is when the last resource registered. The `...CpuMs` figures are the
//   CPU time (user + system) the process had used by then: on a loaded machine they move less than the clock.
// - BENCH_MODE=replay: as `program`, but instead of the program it registers the resources a program run
//   recorded (`collect: ["registrations"]`), each through its SDK class with the inputs it had, one after the
//   other: close to the least any program that declares those resources pays. It leaves out parents, explicit
//   providers and dependencies (cheaper than a program) and reads the recorded inputs from the run file inside
//   the measured time (dearer).
import type { Collected, Registration } from "./childEvaluation";

interface BenchRun {
    project: string;
    stack: string;
    config: Record<string, string>;
    secretKeys: string[];
    /**
     * What to report besides the figures: each Helm release's chart and values, each resource's type and
     * name, and the full inputs of every Kubernetes resource (Helm releases included) and Grafana datasource.
     */
    collect: Collected[];
    /** BENCH_MODE=replay: what to register. */
    registrations?: Registration[];
}

function cpuMs(): number {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
}

/** Writes the result to the file BENCH_RESULT_FILE names (childEvaluation.ts reads it there) and exits. */
function report(result: Record<string, unknown>): void {
    const resultFile = process.env.BENCH_RESULT_FILE;
    if (!resultFile) throw new Error("BENCH_RESULT_FILE is not set: this script runs under scripts/lib/childEvaluation.ts");
    (require("fs") as typeof import("fs")).writeFileSync(resultFile, JSON.stringify({ ...result, maxRssKb: process.resourceUsage().maxRSS }));
    process.exit(0);
}

/* eslint-disable @typescript-eslint/no-require-imports */
/**
 * Each recorded resource through the class the SDKs declare for its type token (`grafana:oss/dashboard:Dashboard`
 * is grafana.oss.Dashboard, `kubernetes:networking.k8s.io/v1:NetworkPolicy` is k8s.networking.v1.NetworkPolicy),
 * so each has the output properties the program's had. Kinds the Kubernetes SDK has no class for go through
 * CustomResource, as the program's PrometheusRule does; the program's own types are components.
 */
function replay(pulumi: typeof import("@pulumi/pulumi"), registrations: Registration[]): void {
    const k8s = require("@pulumi/kubernetes");
    const grafana = require("@pulumiverse/grafana");
    const random = require("@pulumi/random");
    // A dynamic resource's inputs hold its provider, serialized, under `__provider`: registered as they are.
    class DynamicResource extends pulumi.CustomResource {}
    const providers: Record<string, new (name: string, inputs: unknown) => unknown> = {
        grafana: grafana.Provider,
        kubernetes: k8s.Provider,
        random: random.Provider,
    };
    if (registrations.length === 0) throw new Error('nothing to replay: record a program run with collect: ["registrations"]');
    for (const { type, name, inputs } of registrations) {
        const [pkg, module, kind] = type.split(":");
        const [group, version] = module.split("/");
        if (type === "pulumi:pulumi:StackReference") new pulumi.StackReference(name, { name: inputs.name as string });
        else if (pkg === "pulumi" && module === "providers") {
            if (!providers[kind]) throw new Error(`replay: no provider class for ${type}`);
            new providers[kind](name, inputs);
        } else if (pkg === "kubernetes") {
            const Class = k8s[group.split(".")[0]]?.[version]?.[kind];
            if (Class) new Class(name, inputs);
            else new k8s.apiextensions.CustomResource(name, { ...inputs, apiVersion: `${group}/${version}`, kind });
        } else if (pkg === "grafana") new grafana[group][kind](name, inputs);
        else if (pkg === "random") new random[kind](name, inputs);
        else if (pkg === "pulumi-nodejs") new DynamicResource(type, name, inputs);
        else if (pkg === "observability") new pulumi.ComponentResource(type, name);
        else throw new Error(`replay: no class for ${type}`);
    }
}

if (process.env.BENCH_MODE === "floor") {
    require("@pulumi/pulumi");
    require("@pulumi/kubernetes");
    require("@pulumiverse/grafana");
    require("@pulumi/random");
    report({ loadedMs: performance.now(), loadedCpuMs: cpuMs() });
} else {
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const run = JSON.parse((require("fs") as typeof import("fs")).readFileSync(process.env.BENCH_RUN_FILE!, "utf8")) as BenchRun;
    pulumi.runtime.setAllConfig(run.config, run.secretKeys);

    let registered = 0;
    let evaluatedMs = 0;
    let evaluatedCpuMs = 0;
    const releases: Array<{ chart: string; values: unknown }> = [];
    const resources: string[] = [];
    const kubernetes: Array<{ type: string; name: string; inputs: unknown }> = [];
    const registrations: Registration[] = [];
    // Every promise Pulumi tracks (each takes a stack trace), counted by the context it names; a resource's own
    // contexts ("resource:<name>[<type>]") counted together. The SDK calls this export through the module object.
    const promises = new Map<string, number>();
    if (run.collect.includes("promises")) {
        const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: (...args: unknown[]) => unknown };
        const track = debuggable.debuggablePromise;
        debuggable.debuggablePromise = (...args: unknown[]) => {
            const context = String(args[1]).startsWith("resource:") ? "resource:<name>" : String(args[1]).replace(/\(.*$/s, "");
            promises.set(context, (promises.get(context) ?? 0) + 1);
            return track(...args);
        };
    }
    pulumi.runtime.setMocks(
        {
            newResource(args) {
                registered += 1;
                evaluatedMs = performance.now();
                evaluatedCpuMs = cpuMs();
                if (run.collect.includes("releases") && args.type === "kubernetes:helm.sh/v3:Release") {
                    releases.push({ chart: args.inputs.chart, values: args.inputs.values });
                }
                if (run.collect.includes("resources")) resources.push(`${args.type}::${args.name}`);
                if (run.collect.includes("registrations")) registrations.push({ type: args.type, name: args.name, inputs: args.inputs });
                if (run.collect.includes("kubernetes") && (args.type.startsWith("kubernetes:") || args.type === "grafana:oss/dataSource:DataSource")) {
                    kubernetes.push({ type: args.type, name: args.name, inputs: args.inputs });
                }
                // A generated password has its value as an output, as the random provider returns it: the Secrets
                // built from it must reach the manifests whole (Grafana's admin Secret holds admin-password).
                // This file is transpiled alone (childEvaluation.ts), so it cannot import mockStackReference.ts:
                // a StackReference (the program's own stack) answers as NEVER_DEPLOYED there does.
                const state =
                    args.type === "random:index/randomPassword:RandomPassword"
                        ? { ...args.inputs, result: "p".repeat(Number(args.inputs.length ?? 16)) }
                        : args.type === "pulumi:pulumi:StackReference"
                          ? { ...args.inputs, outputs: {}, secretOutputNames: [] }
                          : args.inputs;
                return { id: `${args.name}-id`, state };
            },
            call: (args) => args.inputs,
        },
        run.project,
        run.stack,
        false,
        "organization",
    ); // a self-managed backend's organization

    const loadedMs = performance.now();
    try {
        if (process.env.BENCH_MODE === "replay") replay(pulumi, run.registrations ?? []);
        else require(process.env.BENCH_PROGRAM ?? "");
    } catch (error) {
        report({ registered, error: error instanceof Error ? error.message : String(error) });
    }
    // Registration is asynchronous (outputs resolve first): done once the count stops moving for 100 ms.
    let last = -1;
    const poll = setInterval(() => {
        if (registered === last && registered > 0) {
            clearInterval(poll);
            report({ registered, loadedMs, evaluatedMs, evaluatedCpuMs, releases, resources, kubernetes, registrations, promises: [...promises] });
        }
        last = registered;
    }, 50);
}

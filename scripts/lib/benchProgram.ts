// Child process of scripts/lib/childEvaluation.ts: one evaluation per process, as `pulumi preview` does.
// Self-contained (it loads nothing of this repository but the program), so a floor run loads only the
// SDKs. Transpiled to JavaScript before it runs; under `-r ts-node/register` it evaluates index.ts the
// way Pulumi's `typescript: true` runtime would. Prints one JSON line and exits.
// - BENCH_MODE=floor: loads the SDKs the program uses, the cost every evaluation pays before it starts.
// - BENCH_MODE=program: evaluates BENCH_PROGRAM under Pulumi mocks with the config of the file BENCH_RUN_FILE names. Times are ms
//   since the process started; `evaluatedMs` is when the last resource registered. The `...CpuMs` figures are the
//   CPU time (user + system) the process had used by then: on a loaded machine they move less than the clock.
export {};

interface BenchRun {
    project: string;
    stack: string;
    config: Record<string, string>;
    secretKeys: string[];
    /**
     * What to report besides the figures: each Helm release's chart and values, each resource's type and
     * name, and the full inputs of every Kubernetes resource (Helm releases included) and Grafana datasource.
     */
    collect: Array<"releases" | "resources" | "kubernetes" | "promises">;
}

function cpuMs(): number {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
}

function report(result: Record<string, unknown>): void {
    process.stdout.write(`${JSON.stringify({ ...result, maxRssKb: process.resourceUsage().maxRSS })}\n`);
    process.exit(0);
}

/* eslint-disable @typescript-eslint/no-require-imports */
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
    // Every promise Pulumi tracks (each with a stack trace), counted by the context it names; a resource's own
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
        require(process.env.BENCH_PROGRAM ?? "");
    } catch (error) {
        report({ registered, error: error instanceof Error ? error.message : String(error) });
    }
    // Registration is asynchronous (outputs resolve first): done once the count stops moving for 100 ms.
    let last = -1;
    const poll = setInterval(() => {
        if (registered === last && registered > 0) {
            clearInterval(poll);
            report({ registered, loadedMs, evaluatedMs, evaluatedCpuMs, releases, resources, kubernetes, promises: [...promises] });
        }
        last = registered;
    }, 50);
}

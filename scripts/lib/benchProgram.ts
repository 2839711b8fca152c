// Child process of scripts/bench.ts (run with `node -r ts-node/register`, TS_NODE_TRANSPILE_ONLY=true): one
// evaluation per process, as `pulumi preview` does. Prints one JSON line and exits.
// - BENCH_MODE=floor: only loads the SDKs the program uses, the cost every evaluation pays before it starts.
// - BENCH_MODE=program: evaluates index.ts under Pulumi mocks for BENCH_STACK with its Pulumi.<stack>.yaml config,
//   placeholder secrets and BENCH_OVERRIDES ({"services": [...]}) on top. Times are ms since the process started;
//   `evaluatedMs` is when the last resource registered. BENCH_RELEASES=1 adds each Helm release's chart and values.
import { PROJECT, SECRET_SIG, offlineConfig } from "./stackFile";

function report(result: Record<string, unknown>): void {
    process.stdout.write(`${JSON.stringify({ ...result, maxRssKb: process.resourceUsage().maxRSS })}\n`);
    process.exit(0);
}

const unwrap = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(unwrap);
    if (value && typeof value === "object") {
        const object = value as Record<string, unknown>;
        if (SECRET_SIG in object) return unwrap(object.value);
        return Object.fromEntries(Object.entries(object).map(([key, child]) => [key, unwrap(child)]));
    }
    return value;
};

/* eslint-disable @typescript-eslint/no-require-imports */
if (process.env.BENCH_MODE === "floor") {
    require("@pulumi/pulumi");
    require("@pulumi/kubernetes");
    require("@pulumiverse/grafana");
    require("@pulumi/random");
    report({ loadedMs: performance.now() });
} else {
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const stack = process.env.BENCH_STACK ?? "dev";
    const { config, secretKeys } = offlineConfig(stack, JSON.parse(process.env.BENCH_OVERRIDES ?? "{}") as Record<string, unknown>);
    pulumi.runtime.setAllConfig(config, secretKeys);

    let registered = 0;
    let evaluatedMs = 0;
    const releases: Array<{ chart: string; values: unknown }> = [];
    pulumi.runtime.setMocks({
        newResource(args) {
            registered += 1;
            evaluatedMs = performance.now();
            if (process.env.BENCH_RELEASES && args.type === "kubernetes:helm.sh/v3:Release") {
                releases.push({ chart: args.inputs.chart, values: unwrap(args.inputs.values) });
            }
            return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
    }, PROJECT, stack, false);

    const loadedMs = performance.now();
    try {
        require("../../index");
    } catch (error) {
        report({ error: error instanceof Error ? error.message : String(error) });
    }
    // Registration is asynchronous (outputs resolve first): done once the count stops moving for 100 ms.
    let last = -1;
    const poll = setInterval(() => {
        if (registered === last && registered > 0) {
            clearInterval(poll);
            report({ registered, loadedMs, evaluatedMs, ...(process.env.BENCH_RELEASES ? { releases } : {}) });
        }
        last = registered;
    }, 50);
}

// The stand-in for the random and grafana providers in the engine tests (tests/engines/engine.test.ts, scripts/engine):
// the one hand-written provider here. Why no real one: their released plugins are downloads from the internet,
// which CI machines here cannot reach, and the Go module proxy answers "not available" (403) for
// github.com/pulumi/pulumi-random/provider/v4 and github.com/pulumiverse/pulumi-grafana/provider, so neither
// can be built as the CLI and the Kubernetes provider are (scripts/engine/build.sh). A real grafana provider
// would also need a running Grafana, which kwok's fake nodes cannot run. This stand-in serves the engine's
// provider protocol (@pulumi/pulumi's gRPC provider server) and keeps what it is sent: every create, update and
// delete is appended, with the properties it got, to $OAC_STANDIN_DIR/<package>-<pid>.jsonl (./log.ts reads
// them back). It computes the few outputs the program reads that the real providers compute (a password's
// result, a token's key, a dashboard's URL) and echoes the rest; secrets stay wrapped as the engine sent them,
// so the state keeps them encrypted.
//   node -r ts-node/register/transpile-only provider.ts <package> <engine address>  (bin/pulumi-resource-*)

import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { STANDIN_PACKAGES, type StandinEntry } from "./log";

/** The resource's own type: the URN's type part ends with it, after its parents' types joined by "$". */
const typeOf = (urn: string) => urn.split("::")[2].split("$").pop()!;

/** Outputs the real providers compute and the program reads (stacks' outputs, the second Grafana provider's token). */
function computed(type: string, inputs: Record<string, any>, id: string): Record<string, unknown> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword": {
            const length = Number(inputs.length ?? 16);
            const result = crypto
                .randomBytes(length * 2)
                .toString("base64")
                .replace(/[^A-Za-z0-9]/g, "")
                .slice(0, length);
            return { result, bcryptHash: crypto.createHash("sha256").update(result).digest("hex") };
        }
        case "grafana:oss/serviceAccount:ServiceAccount":
            return { orgId: "1" };
        case "grafana:oss/serviceAccountToken:ServiceAccountToken":
            return { key: `glsa_${crypto.randomBytes(24).toString("hex")}`, hasExpired: false };
        case "grafana:oss/folder:Folder":
            return { url: `http://grafana.standin/dashboards/f/${inputs.uid ?? id}` };
        case "grafana:oss/dashboard:Dashboard": {
            const uid = JSON.parse(inputs.configJson ?? "{}").uid ?? id;
            return { uid, dashboardId: 1, url: `http://grafana.standin/d/${uid}`, version: 1 };
        }
        default:
            return {};
    }
}

/** JSON with sorted keys: the same value always compares equal. */
function canonical(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
    if (value && typeof value === "object") {
        return `{${Object.keys(value)
            .sort()
            .map((key) => `${JSON.stringify(key)}:${canonical((value as any)[key])}`)
            .join(",")}}`;
    }
    return JSON.stringify(value);
}

function main(): void {
    const [packageName, ...engineArgs] = process.argv.slice(2);
    if (!(STANDIN_PACKAGES as readonly string[]).includes(packageName)) throw new Error(`stand-in provider: unknown package "${packageName}"`);
    const dir = process.env.OAC_STANDIN_DIR;
    if (!dir) throw new Error("stand-in provider: OAC_STANDIN_DIR (where it keeps what it is sent) is not set");
    fs.mkdirSync(dir, { recursive: true });
    const logFile = path.join(dir, `${packageName}-${process.pid}.jsonl`);
    const keep = (entry: Omit<StandinEntry, "time">) =>
        fs.appendFileSync(logFile, `${JSON.stringify({ time: Number(process.hrtime.bigint()) / 1e6 + performance.timeOrigin, ...entry })}\n`);

    const provider: pulumi.provider.Provider = {
        version: process.env.OAC_STANDIN_VERSION ?? "0.0.1",
        async diff(_id, urn, olds, news) {
            const outputsOnly = new Set(Object.keys(computed(typeOf(urn), news, "")));
            const oldInputs = Object.fromEntries(Object.entries(olds).filter(([key]) => !outputsOnly.has(key)));
            return { changes: canonical(oldInputs) !== canonical(news) };
        },
        async create(urn, inputs) {
            const id = crypto.randomUUID();
            const outs = { ...inputs, ...computed(typeOf(urn), inputs, id) };
            keep({ op: "create", urn, id, properties: outs });
            return { id, outs };
        },
        async update(id, urn, olds, news) {
            const kept = Object.fromEntries(Object.keys(computed(typeOf(urn), news, id)).map((key) => [key, olds[key]]));
            const outs = { ...news, ...kept };
            keep({ op: "update", urn, id, properties: outs });
            return { outs };
        },
        async delete(id, urn) {
            keep({ op: "delete", urn, id });
        },
    };
    void pulumi.provider.main(provider, engineArgs);
}

main();

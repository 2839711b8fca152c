// Starts policy/ the way the Pulumi CLI does (`pulumi preview --policy-pack policy`): the analyzer plugin
// resolves @pulumi/pulumi/cmd/run-policy-pack from the pack directory and runs it there with node, which
// compiles the pack with ts-node (type-checking on) and serves the Analyzer gRPC service on the port it
// prints. Tests then call the service as the engine would.
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
    AnalyzeRequest, type AnalyzeResponse, AnalyzerResourceOptions, type AnalyzerInfo, ConfigureAnalyzerRequest, EnforcementLevel, PolicyConfig,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { type ChildProcess, spawn } from "child_process";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as path from "path";
import { REPO_ROOT } from "./stacks";

export const PACK_DIR = path.join(REPO_ROOT, "policy");

export interface RunningPack {
    info(): Promise<AnalyzerInfo>;
    /** The engine's Analyze call for one resource; `props` are serialized resource inputs (secrets as SECRET_SIG objects). */
    analyze(resource: { type: string; name: string; urn: string; props: Record<string, unknown>; protect?: boolean }): Promise<AnalyzeResponse>;
    /**
     * The engine's Configure call with a `--policy-pack-config` file's content: each policy's level (the file's,
     * else `defaultLevels`') and its other settings as properties.
     */
    configure(file: Record<string, unknown>, defaultLevels: Record<string, string>): Promise<void>;
    stop(): void;
}

const LEVELS: Record<string, EnforcementLevel> = {
    advisory: EnforcementLevel.ADVISORY, mandatory: EnforcementLevel.MANDATORY, disabled: EnforcementLevel.DISABLED, remediate: EnforcementLevel.REMEDIATE,
};

export async function startPolicyPack(): Promise<RunningPack> {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [PACK_DIR] });
    // The CLI's environment has no ts-node settings of ours: drop the test runner's.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("TS_NODE_")));
    const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: PACK_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
    const port = await firstLine(child);
    const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const call = <T>(invoke: (done: (error: grpc.ServiceError | null, response: T) => void) => void) =>
        new Promise<T>((resolve, reject) => invoke((error, response) => error ? reject(error) : resolve(response)));
    return {
        info: () => call<AnalyzerInfo>((done) => client.getAnalyzerInfo(new Empty(), done)),
        analyze: (resource) => {
            const request = new AnalyzeRequest();
            request.setType(resource.type);
            request.setName(resource.name);
            request.setUrn(resource.urn);
            request.setProperties(Struct.fromJavaScript(resource.props as Parameters<typeof Struct.fromJavaScript>[0]));
            const options = new AnalyzerResourceOptions();
            options.setProtect(resource.protect ?? false);
            request.setOptions(options);
            return call<AnalyzeResponse>((done) => client.analyze(request, done));
        },
        configure: async (file, defaultLevels) => {
            const request = new ConfigureAnalyzerRequest();
            for (const [policy, level] of Object.entries(defaultLevels)) {
                const setting = file[policy];
                const { enforcementLevel, ...properties } = typeof setting === "string" ? { enforcementLevel: setting }
                    : (setting ?? {}) as Record<string, unknown>;
                const config = new PolicyConfig();
                config.setEnforcementlevel(LEVELS[String(enforcementLevel ?? level)]);
                config.setProperties(Struct.fromJavaScript(properties as Parameters<typeof Struct.fromJavaScript>[0]));
                request.getPolicyconfigMap().set(policy, config);
            }
            await call((done) => client.configure(request, done));
        },
        stop: () => { client.close(); child.kill(); },
    };
}

/** The port the pack prints once it serves; its stderr when it exits first (a load or type error). */
function firstLine(child: ChildProcess): Promise<string> {
    return new Promise((resolve, reject) => {
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (chunk: Buffer) => {
            stdout += chunk.toString();
            const line = stdout.split("\n")[0].trim();
            if (stdout.includes("\n") && /^\d+$/.test(line)) resolve(line);
        });
        child.stderr!.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
        child.on("exit", (code) => reject(new Error(`the policy pack exited (${code}) before serving:\n${stdout}${stderr}`)));
    });
}

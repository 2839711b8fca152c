// Starts policy/ the way the Pulumi CLI does (`pulumi preview --policy-pack policy`): the analyzer plugin
// resolves @pulumi/pulumi/cmd/run-policy-pack from the pack directory and runs it there with node, which
// compiles the pack with ts-node (type-checking on) and serves the Analyzer gRPC service on the port it
// prints. Callers then call the service as the engine would (the tests, and scripts/policy-offline.ts).
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
    AnalyzeRequest,
    type AnalyzeResponse,
    type AnalyzerInfo,
    AnalyzerPropertyDependencies,
    AnalyzerProviderResource,
    AnalyzerResource,
    AnalyzerResourceOptions,
    AnalyzerStackConfigureRequest,
    AnalyzeStackRequest,
    ConfigureAnalyzerRequest,
    EnforcementLevel,
    PolicyConfig,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { type ChildProcess, spawn } from "child_process";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as path from "path";
import { REPO_ROOT } from "./stackFile";

export const PACK_DIR = path.join(REPO_ROOT, "policy");

/** A resource as the engine describes it to the analyzer; `props` are serialized (secrets as SECRET_SIG objects). */
export interface AnalyzedResource {
    type: string;
    name: string;
    urn: string;
    props: Record<string, unknown>;
    protect?: boolean;
    parent?: string;
    provider?: { type: string; name: string; urn: string; props: Record<string, unknown> };
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
    ignoreChanges?: string[];
    deleteBeforeReplace?: boolean;
    additionalSecretOutputs?: string[];
    aliases?: string[];
}

export interface StackSettings {
    stack: string;
    project: string;
    /** `pulumi stack tag` values; the pack reads `environment`. */
    tags: Record<string, string>;
}

export interface RunningPack {
    info(): Promise<AnalyzerInfo>;
    /** The engine's Analyze call for one resource, with its inputs. */
    analyze(resource: AnalyzedResource): Promise<AnalyzeResponse>;
    /** The engine's AnalyzeStack call after the last registration, with every resource of the stack. */
    analyzeStack(resources: readonly AnalyzedResource[]): Promise<AnalyzeResponse>;
    /**
     * The engine's Configure call with a `--policy-pack-config` file's content: each policy's level (the file's,
     * its "all" entry's, else `defaultLevels`') and its settings, over `defaultProperties` (the schemas' defaults).
     */
    configure(file: Record<string, unknown>, defaultLevels: Record<string, string>, defaultProperties?: Record<string, Record<string, unknown>>): Promise<void>;
    /** The engine's ConfigureStack call: which stack is analyzed, and its tags. */
    configureStack(settings: StackSettings): Promise<void>;
    stop(): void;
}

export const LEVELS: Record<string, EnforcementLevel> = {
    advisory: EnforcementLevel.ADVISORY,
    mandatory: EnforcementLevel.MANDATORY,
    disabled: EnforcementLevel.DISABLED,
    remediate: EnforcementLevel.REMEDIATE,
};
export const levelName = (level: EnforcementLevel) => Object.keys(LEVELS).find((name) => LEVELS[name] === level) ?? String(level);

type JavaScriptObject = Parameters<typeof Struct.fromJavaScript>[0];
const toStruct = (value: Record<string, unknown>) => Struct.fromJavaScript(value as JavaScriptObject);

function resourceOptions(resource: AnalyzedResource): AnalyzerResourceOptions {
    const options = new AnalyzerResourceOptions();
    options.setProtect(resource.protect ?? false);
    options.setParent(resource.parent ?? "");
    options.setIgnorechangesList(resource.ignoreChanges ?? []);
    options.setDeletebeforereplacedefined(resource.deleteBeforeReplace !== undefined);
    options.setDeletebeforereplace(resource.deleteBeforeReplace ?? false);
    options.setAdditionalsecretoutputsList(resource.additionalSecretOutputs ?? []);
    options.setAliasesList(resource.aliases ?? []);
    return options;
}

function providerResource(provider: NonNullable<AnalyzedResource["provider"]>): AnalyzerProviderResource {
    const message = new AnalyzerProviderResource();
    message.setType(provider.type);
    message.setName(provider.name);
    message.setUrn(provider.urn);
    message.setProperties(toStruct(provider.props));
    return message;
}

/** The fields Analyze's request and AnalyzeStack's resource share (two generated classes, no common type). */
interface ResourceMessage {
    setType(value: string): unknown;
    setName(value: string): unknown;
    setUrn(value: string): unknown;
    setProperties(value: ReturnType<typeof toStruct>): unknown;
    setOptions(value: AnalyzerResourceOptions): unknown;
    setProvider(value: AnalyzerProviderResource): unknown;
}

function withResource<T extends ResourceMessage>(message: T, resource: AnalyzedResource): T {
    message.setType(resource.type);
    message.setName(resource.name);
    message.setUrn(resource.urn);
    message.setProperties(toStruct(resource.props));
    message.setOptions(resourceOptions(resource));
    if (resource.provider) message.setProvider(providerResource(resource.provider));
    return message;
}

function analyzeRequest(resource: AnalyzedResource): AnalyzeRequest {
    return withResource(new AnalyzeRequest(), resource);
}

/** AnalyzeStack's resource: Analyze's, plus the parent and dependencies the pack links into resource objects. */
function stackResource(resource: AnalyzedResource): AnalyzerResource {
    const message = withResource(new AnalyzerResource(), resource);
    message.setParent(resource.parent ?? "");
    message.setDependenciesList(resource.dependencies ?? []);
    for (const [property, urns] of Object.entries(resource.propertyDependencies ?? {})) {
        message.getPropertydependenciesMap().set(property, new AnalyzerPropertyDependencies().setUrnsList(urns));
    }
    return message;
}

/** A policy's entry in a --policy-pack-config file: a level, or an object of a level and settings. */
function entryOf(file: Record<string, unknown>, policy: string): { enforcementLevel?: string; properties: Record<string, unknown> } {
    const setting = file[policy];
    if (typeof setting === "string") return { enforcementLevel: setting, properties: {} };
    const { enforcementLevel, ...properties } = (setting ?? {}) as Record<string, unknown>;
    return { enforcementLevel: enforcementLevel === undefined ? undefined : String(enforcementLevel), properties };
}

/** A policy's level under a config file: its own entry's, else the file's "all" entry's, else `defaultLevel`. */
export function configuredLevel(file: Record<string, unknown>, policy: string, defaultLevel: string): string {
    return entryOf(file, policy).enforcementLevel ?? (typeof file.all === "string" ? file.all : defaultLevel);
}

function configureRequest(
    file: Record<string, unknown>,
    defaultLevels: Record<string, string>,
    defaultProperties: Record<string, Record<string, unknown>>,
): ConfigureAnalyzerRequest {
    const request = new ConfigureAnalyzerRequest();
    for (const [policy, level] of Object.entries(defaultLevels)) {
        const config = new PolicyConfig();
        config.setEnforcementlevel(LEVELS[configuredLevel(file, policy, level)]);
        config.setProperties(toStruct({ ...defaultProperties[policy], ...entryOf(file, policy).properties }));
        request.getPolicyconfigMap().set(policy, config);
    }
    return request;
}

export async function startPolicyPack(): Promise<RunningPack> {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [PACK_DIR] });
    // The CLI's environment has no ts-node settings of ours: drop the caller's.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("TS_NODE_")));
    const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: PACK_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
    // The pack serves until killed: a caller that dies before stop() (an error in the program it evaluates) takes it along.
    const killPack = () => child.kill();
    process.once("exit", killPack);
    const port = await firstLine(child);
    const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const call = <T>(invoke: (done: (error: grpc.ServiceError | null, response: T) => void) => void) =>
        new Promise<T>((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response))));
    return {
        info: () => call<AnalyzerInfo>((done) => client.getAnalyzerInfo(new Empty(), done)),
        analyze: (resource) => call<AnalyzeResponse>((done) => client.analyze(analyzeRequest(resource), done)),
        analyzeStack: (resources) => {
            const request = new AnalyzeStackRequest();
            request.setResourcesList(resources.map(stackResource));
            return call<AnalyzeResponse>((done) => client.analyzeStack(request, done));
        },
        configure: async (file, defaultLevels, defaultProperties = {}) => {
            await call((done) => client.configure(configureRequest(file, defaultLevels, defaultProperties), done));
        },
        configureStack: async ({ stack, project, tags }) => {
            const request = new AnalyzerStackConfigureRequest();
            request.setStack(stack);
            request.setProject(project);
            request.setDryRun(true);
            for (const [key, value] of Object.entries(tags)) request.getTagsMap().set(key, value);
            await call((done) => client.configureStack(request, done));
        },
        stop: () => {
            process.removeListener("exit", killPack);
            client.close();
            child.kill();
        },
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
        child.stderr!.on("data", (chunk: Buffer) => {
            stderr += chunk.toString();
        });
        child.on("exit", (code) => reject(new Error(`the policy pack exited (${code}) before serving:\n${stdout}${stderr}`)));
    });
}

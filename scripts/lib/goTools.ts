// The tools the suite runs from Go's bin directory: the pinned ones scripts/install-tools.sh installs (their
// versions in scripts/tool-versions.env) and this repository's Go checks (tools/<name>, each its own module on
// the consuming engine's library: Kubernetes, Prometheus, Alertmanager, Alloy's parser; or on the producers' own, the profiling SDKs), built from the current source on first use in a process: Go's build cache makes a
// rebuild of unchanged code about a second.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "./stackFile";

export const INSTALL_TOOLS = "bash scripts/install-tools.sh";

/** The `NAME=value` lines of a versions file that shell scripts source (scripts/tool-versions.env and the like). */
export function versionsFile(file: string): Record<string, string> {
    return Object.fromEntries(
        fs
            .readFileSync(file, "utf8")
            .split("\n")
            .map((line) => /^([A-Z_]+)=(\S+)/.exec(line))
            .filter((match): match is RegExpExecArray => Boolean(match))
            .map((match) => [match[1], match[2]]),
    );
}

/** scripts/tool-versions.env, the one place the tool versions are pinned. */
export const TOOL_VERSIONS = versionsFile(path.join(REPO_ROOT, "scripts", "tool-versions.env"));

const built = new Map<string, string>();
let bin: string | undefined;

/** `$(go env GOPATH)/bin`, where install-tools.sh installs and goTool builds. */
export function goBin(): string {
    if (bin) return bin;
    const gopath = spawnSync("go", ["env", "GOPATH"], { encoding: "utf8" });
    if (gopath.status !== 0)
        throw new Error(`Go is needed for the Kubernetes checks (go env GOPATH failed: ${gopath.stderr}). Fix: install Go 1.26, then \`${INSTALL_TOOLS}\``);
    bin = path.join(gopath.stdout.trim(), "bin");
    return bin;
}

/** Path of the built `tools/<name>` binary. */
export function goTool(name: string): string {
    const known = built.get(name);
    if (known) return known;
    const binary = path.join(goBin(), `oac-${name}`);
    const build = spawnSync("go", ["build", "-o", binary, "."], { cwd: path.join(REPO_ROOT, "tools", name), encoding: "utf8" });
    if (build.status !== 0) throw new Error(`go build of tools/${name} failed:\n${build.stderr}`);
    built.set(name, binary);
    return binary;
}

/** `$(go env GOPATH)/bin/<name>` of a pinned tool that scripts/install-tools.sh installs. */
export function installedTool(name: string): string {
    return path.join(goBin(), name);
}

/** Runs a tool; exit codes other than `accepted` (0 unless told) are errors with its stderr. */
export function runTool(binary: string, args: string[], input?: string, accepted: readonly number[] = [0]): string {
    const run = spawnSync(binary, args, { encoding: "utf8", input, maxBuffer: 512 * 1024 * 1024 });
    if (run.error) throw new Error(`${path.basename(binary)}: ${run.error.message}. Fix: \`${INSTALL_TOOLS}\``);
    if (!accepted.includes(run.status ?? -1))
        throw new Error(`${path.basename(binary)} ${args.join(" ")} exited ${run.status}:\n${run.stderr}${run.stdout.slice(0, 4000)}`);
    return run.stdout;
}

/** Runs one of this repository's Go checks and parses the JSON document it prints. */
export function runGoCheck<T>(name: string, args: string[], input?: string, accepted: readonly number[] = [0]): T {
    return JSON.parse(runTool(goTool(name), args, input, accepted)) as T;
}

/**
 * Writes `contents` to files of a temporary directory, one each (named `<stem>-<index><extension>`), runs `use`
 * on their paths, and removes the directory: for the checks that read files so their messages can name them.
 */
export function withInputFiles<T>(stem: string, extension: string, contents: readonly string[], use: (files: string[], directory: string) => T): T {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), `${stem}-`));
    try {
        const files = contents.map((text, index) => {
            const file = path.join(directory, `${stem}-${index}${extension}`);
            fs.writeFileSync(file, text);
            return file;
        });
        return use(files, directory);
    } finally {
        fs.rmSync(directory, { recursive: true, force: true });
    }
}

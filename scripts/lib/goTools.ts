// This repository's Go checks (tools/<name>, each its own module on Kubernetes' libraries), built from the
// current source on first use in a process: Go's build cache makes a rebuild of unchanged code about a second.
import { spawnSync } from "child_process";
import * as path from "path";
import { REPO_ROOT } from "./stackFile";
import { INSTALL_TOOLS } from "./helmTemplate";

const built = new Map<string, string>();

function goBin(): string {
    const gopath = spawnSync("go", ["env", "GOPATH"], { encoding: "utf8" });
    if (gopath.status !== 0) throw new Error(`Go is needed for the Kubernetes checks (go env GOPATH failed: ${gopath.stderr}). Fix: install Go 1.26, then \`${INSTALL_TOOLS}\``);
    return path.join(gopath.stdout.trim(), "bin");
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

/** Runs a built tool; exit codes other than 0 are errors with its stderr. */
export function runTool(binary: string, args: string[], input?: string): string {
    const run = spawnSync(binary, args, { encoding: "utf8", input, maxBuffer: 512 * 1024 * 1024 });
    if (run.error) throw new Error(`${path.basename(binary)}: ${run.error.message}. Fix: \`${INSTALL_TOOLS}\``);
    if (run.status !== 0) throw new Error(`${path.basename(binary)} ${args.join(" ")} exited ${run.status}:\n${run.stderr}${run.stdout.slice(0, 4000)}`);
    return run.stdout;
}

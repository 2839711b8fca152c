// Pulumi runs the program compiled ahead of time (Pulumi.yaml `main: bin/index.js`, `typescript: false`):
// it starts in about half the time ts-node needs (README, "Performance"). The price is a build step, and
// a forgotten one would deploy yesterday's code without a word. This check makes it a clear error.
import * as fs from "fs";
import * as path from "path";

/** Where the compiled program lives, relative to the repository (tsconfig.build.json `outDir`). */
export const BUILD_DIRECTORY = "bin";
/** The source directories tsconfig.build.json compiles, besides index.ts. */
export const SOURCE_DIRECTORIES = ["components", "stacks"];

function sourceFiles(root: string): string[] {
    const walk = (directory: string): string[] =>
        fs.readdirSync(path.join(root, directory), { withFileTypes: true }).flatMap((entry) => {
            const relative = path.join(directory, entry.name);
            if (entry.isDirectory()) return walk(relative);
            return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [relative] : [];
        });
    return ["index.ts", ...SOURCE_DIRECTORIES.flatMap(walk)];
}

/**
 * Sources that changed after they were compiled (or were never compiled), when `entry` is the compiled
 * program inside the repository; empty when the build is current, when running the TypeScript itself
 * (tests), or when only the compiled program was shipped.
 */
export function staleSources(entry: string): string[] {
    const buildRoot = path.dirname(entry);
    if (!entry.endsWith(".js") || path.basename(buildRoot) !== BUILD_DIRECTORY) return [];
    const root = path.dirname(buildRoot);
    if (!fs.existsSync(path.join(root, "index.ts"))) return [];
    return sourceFiles(root).filter((source) => {
        const compiled = fs.statSync(path.join(buildRoot, source.replace(/\.ts$/, ".js")), { throwIfNoEntry: false });
        return !compiled || compiled.mtimeMs < fs.statSync(path.join(root, source)).mtimeMs;
    });
}

/** Stops the program before it registers anything when the compiled program is older than its sources. */
export function assertCompiledProgramIsCurrent(entry: string): void {
    const stale = staleSources(entry);
    if (stale.length === 0) return;
    const shown = stale.slice(0, 5).join(", ") + (stale.length > 5 ? ` and ${stale.length - 5} more` : "");
    throw new Error(
        `The compiled program in ${BUILD_DIRECTORY}/ is older than its sources (${shown}). ` +
            "Pulumi runs the compiled program (Pulumi.yaml main: bin/index.js): run `npm run build`, then the pulumi command again. " +
            "(`npm run up:dev` and the CI workflows build first.)",
    );
}

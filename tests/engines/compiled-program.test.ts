// Pulumi runs the program compiled ahead of time (Pulumi.yaml main: bin/index.js, typescript: false).
// The other tests evaluate the TypeScript; these show the compiled program is the same program, that
// every way of running `pulumi` builds first, and that a stale build refuses to run.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { COMPILED_PROGRAM, ensureBuilt, evaluateInChild, languageHostNodeArgs } from "../../scripts/lib/childEvaluation";
import { REPO_ROOT } from "../../scripts/lib/stackFile";
import { programFile } from "../../scripts/up-dev";
import { assertCompiledProgramIsCurrent, BUILD_DIRECTORY, SOURCE_DIRECTORIES, staleSources } from "../../stacks/compiledProgram";

const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), "utf8");

/** Files under `directory` (relative to `root`), as paths from `root`. */
function filesUnder(root: string, directory: string): string[] {
    return fs.readdirSync(path.join(root, directory), { withFileTypes: true }).flatMap((entry) => {
        const relative = path.join(directory, entry.name);
        return entry.isDirectory() ? filesUnder(root, relative) : [relative];
    });
}

describe("compiled program", function () {
    this.timeout(120_000);
    before(() => ensureBuilt());

    it("is what Pulumi runs: main bin/index.js, without the TypeScript runtime", () => {
        const project = parse(read("Pulumi.yaml")) as { main: string; runtime: { name: string; options: { typescript: boolean } } };
        assert.strictEqual(project.runtime.name, "nodejs");
        assert.strictEqual(project.runtime.options.typescript, false);
        assert.strictEqual(path.join(REPO_ROOT, project.main), COMPILED_PROGRAM);
        const build = JSON.parse(read("tsconfig.build.json")) as { compilerOptions: { outDir: string; rootDir: string }; include: string[] };
        assert.strictEqual(build.compilerOptions.outDir, BUILD_DIRECTORY);
        assert.strictEqual(build.compilerOptions.rootDir, ".");
        assert.deepStrictEqual(build.include, ["index.ts", ...SOURCE_DIRECTORIES.map((directory) => `${directory}/**/*.ts`)]);
        assert.ok(fs.existsSync(COMPILED_PROGRAM));
    });

    it("is built before every pulumi command: npm scripts, up:dev, the CI setup all workflows use", () => {
        const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
        assert.strictEqual(scripts.build, "tsc -p tsconfig.build.json && node bin/components/grafana/readiness/serialized.js");
        for (const [name, command] of Object.entries(scripts).filter(([, command]) => /\bpulumi\b/.test(command))) {
            assert.match(command, /^npm run build && /, `npm run ${name}`);
        }
        // up:dev runs Pulumi.yaml's main inline (scripts/up-dev.ts), after up-dev.sh has built it.
        const upDev = read("scripts/up-dev.sh");
        const up = upDev.search(/^[^#\n]*scripts\/up-dev\.ts/m);
        assert.ok(up > 0 && upDev.indexOf("npm run build") >= 0 && upDev.indexOf("npm run build") < up, "up-dev.sh builds before it runs up-dev.ts");
        assert.strictEqual(programFile(), COMPILED_PROGRAM);
        const steps = (parse(read(".github/actions/setup/action.yml")) as { runs: { steps: Array<{ run?: string }> } }).runs.steps.map(
            (step) => step.run ?? "",
        );
        const install = steps.findIndex((run) => run.includes("npm ci"));
        assert.ok(install >= 0 && steps.findIndex((run) => run.trim() === "npm run build") > install, "the setup action builds after npm ci");
    });

    it("holds the program's own sources only: the tests' data (the alert rules' promtool cases) stays out", () => {
        // The build into an empty directory: what `npm run build` writes on a clean checkout, without the
        // files an earlier build may have left in bin/.
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "build-"));
        try {
            const build = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", out], {
                cwd: REPO_ROOT,
                encoding: "utf8",
            });
            assert.strictEqual(build.status, 0, `${build.stdout}${build.stderr}`);
            const emitted = filesUnder(out, ".").sort();
            const caseModules = filesUnder(REPO_ROOT, "tests/support/ruleCases").map((file) => file.replace(/\.ts$/, ".js"));
            assert.ok(caseModules.includes(path.join("tests", "support", "ruleCases", "index.js")), "the promtool cases are where this test looks");
            assert.deepStrictEqual(
                emitted.filter((file) => caseModules.includes(file)),
                [],
            );
            // One compiled file per source of the program, nothing else: a component importing test data
            // would have the compiler emit that too.
            const sources = ["index.ts", ...SOURCE_DIRECTORIES.flatMap((directory) => filesUnder(REPO_ROOT, directory))].filter(
                (file) => file.endsWith(".ts") && !file.endsWith(".d.ts"),
            );
            assert.deepStrictEqual(emitted, sources.map((file) => file.replace(/\.ts$/, ".js")).sort());
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });

    it("runs under Pulumi.yaml's nodeargs: errors keep their message, resources' source positions keep every frame", () => {
        // With what the language host gives the program: node <nodeargs> @pulumi/pulumi/cmd/run, and cmd/run loads
        // source-map-support before the program.
        const script = `
            const { Resource } = require("@pulumi/pulumi/resource");
            const nested = (depth, f) => (depth === 0 ? f() : nested(depth - 1, f));
            nested(20, () => console.log(JSON.stringify({
                limit: Error.stackTraceLimit,
                thrown: new TypeError("the message").stack,
                resourceFrames: Resource.callsites().length,
            })));`;
        const run = spawnSync(process.execPath, [...languageHostNodeArgs(), "-e", script], { cwd: REPO_ROOT, encoding: "utf8" });
        assert.strictEqual(run.status, 0, run.stderr);
        const { limit, thrown, resourceFrames } = JSON.parse(run.stdout) as { limit: number; thrown: string; resourceFrames: number };
        // Fewer than node's default of 10 frames: each costs Pulumi's tracked promises time (docs/performance.md).
        assert.ok(limit < 10, `Error.stackTraceLimit ${limit}`);
        assert.strictEqual(thrown.split("\n")[0], "TypeError: the message");
        assert.strictEqual(thrown.split("\n").length - 1, limit, thrown);
        assert.ok(resourceFrames > 20, `Resource.callsites() gave ${resourceFrames} frames`);
    });

    it("registers the same resources as the TypeScript program, for every stack", () => {
        for (const stack of ["dev", "staging", "production"]) {
            const compiled = evaluateInChild({ runtime: "compiled", mode: "program", stack, collect: ["resources"] });
            const typescript = evaluateInChild({ runtime: "ts-node", mode: "program", stack, collect: ["resources"] });
            assert.strictEqual(compiled.error, undefined, compiled.error);
            assert.ok(compiled.registered > 40, `${stack}: ${compiled.registered} resources`);
            assert.deepStrictEqual([...compiled.resources].sort(), [...typescript.resources].sort(), stack);
        }
    });

    it("replays production's resources without the program through the same SDK classes (the bench's least cost of declaring them)", () => {
        const program = evaluateInChild({ runtime: "compiled", mode: "program", stack: "production", collect: ["registrations", "resources", "promises"] });
        const replayed = evaluateInChild({
            runtime: "compiled",
            mode: "replay",
            stack: "production",
            registrations: program.registrations,
            collect: ["resources", "promises"],
        });
        assert.strictEqual(replayed.error, undefined, replayed.error);
        const types = (resources: string[]) => resources.map((resource) => resource.split("::")[0]).sort();
        assert.deepStrictEqual(types(replayed.resources), types(program.resources));
        // Pulumi tracks one transferProperty promise per output property a class declares: the same classes. The
        // readiness gate is ours, not an SDK's: its one output-only property (grafanaVersion) is not among the
        // inputs it registered, so the replay does not declare it.
        const outputProperties = (run: typeof program) => new Map(run.promises).get("transferProperty") ?? 0;
        assert.ok(outputProperties(program) > 500, `${outputProperties(program)} output properties`);
        assert.strictEqual(outputProperties(replayed), outputProperties(program) - 1);
    });

    it("refuses to run, registering nothing, when a source changed after the build", () => {
        const source = path.join(REPO_ROOT, "components", "loki", "Loki.ts");
        const { atime, mtime } = fs.statSync(source);
        try {
            fs.utimesSync(source, atime, new Date(Date.now() + 60_000));
            const run = evaluateInChild({ runtime: "compiled", mode: "program", stack: "dev" });
            assert.strictEqual(run.registered, 0);
            assert.match(run.error ?? "", /older than its sources \(components\/loki\/Loki\.ts\).*npm run build/);
        } finally {
            fs.utimesSync(source, atime, mtime);
        }
        assert.deepStrictEqual(staleSources(COMPILED_PROGRAM), []);
    });

    describe("the readiness gate's provider, serialized by the build", () => {
        const readiness = path.join(REPO_ROOT, BUILD_DIRECTORY, "components", "grafana", "readiness");
        /** The prebuilt text and the text Pulumi's serializer gives now, from the compiled modules in `directory`. */
        const texts = (directory: string) => {
            const script =
                `const s = require(${JSON.stringify(path.join(directory, "serialized.js"))});` +
                "s.serializeProvider().then(({ text }) => console.log(JSON.stringify({ prebuilt: s.prebuiltProviderText() ?? null, now: text })));";
            const run = spawnSync(process.execPath, ["-e", script], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
            assert.strictEqual(run.status, 0, run.stderr);
            return JSON.parse(run.stdout) as { prebuilt: string | null; now: string };
        };
        let copy: string;
        beforeEach(() => {
            // Beside the compiled program, so that its modules resolve @pulumi/pulumi as the program's do.
            copy = fs.mkdtempSync(path.join(REPO_ROOT, BUILD_DIRECTORY, "readiness-copy-"));
            for (const file of fs.readdirSync(readiness)) fs.copyFileSync(path.join(readiness, file), path.join(copy, file));
        });
        afterEach(() => fs.rmSync(copy, { recursive: true, force: true }));

        it("is the text Pulumi serializes from the compiled modules, wherever they are", () => {
            for (const directory of [readiness, copy]) {
                const { prebuilt, now } = texts(directory);
                assert.ok(prebuilt, `${directory}: no prebuilt text`);
                assert.strictEqual(prebuilt, now);
            }
        });

        it("is not used once a module it was serialized from changed: the evaluation serializes it again", () => {
            fs.appendFileSync(path.join(copy, "probe.js"), "\n// changed after the build\n");
            assert.strictEqual(texts(copy).prebuilt, null);
        });
    });

    describe("staleness check", () => {
        let root: string;
        const write = (file: string, modified: number) => {
            fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
            fs.writeFileSync(path.join(root, file), "");
            fs.utimesSync(path.join(root, file), modified, modified);
        };
        beforeEach(() => {
            root = fs.mkdtempSync(path.join(os.tmpdir(), "compiled-program-"));
            for (const source of ["index.ts", "components/a.ts", "components/grafana/b.ts", "stacks/c.ts"]) write(source, 1000);
            for (const output of ["bin/index.js", "bin/components/a.js", "bin/components/grafana/b.js", "bin/stacks/c.js"]) write(output, 2000);
        });
        afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

        it("finds nothing when every output is newer than its source", () => {
            assert.deepStrictEqual(staleSources(path.join(root, "bin", "index.js")), []);
        });

        it("names sources edited after the build and sources never built", () => {
            write("components/grafana/b.ts", 3000);
            write("stacks/new.ts", 1000);
            write("components/types.d.ts", 3000); // declarations compile to nothing
            assert.deepStrictEqual(staleSources(path.join(root, "bin", "index.js")).sort(), ["components/grafana/b.ts", "stacks/new.ts"]);
            assert.throws(
                () => assertCompiledProgramIsCurrent(path.join(root, "bin", "index.js")),
                /older than its sources \(components\/grafana\/b\.ts, stacks\/new\.ts\)/,
            );
        });

        it("does not apply to the TypeScript program or to a compiled program shipped without its sources", () => {
            write("components/a.ts", 3000);
            assert.deepStrictEqual(staleSources(path.join(root, "index.ts")), []);
            fs.rmSync(path.join(root, "index.ts"));
            assert.deepStrictEqual(staleSources(path.join(root, "bin", "index.js")), []);
        });
    });
});

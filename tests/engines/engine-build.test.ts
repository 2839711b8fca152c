import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { versionsFile } from "../../scripts/lib/goTools";
import { ENGINE_DIR, engineBinDir } from "../support/engine/harness";

// scripts/engine/build.sh takes the CLI and the Kubernetes provider from this machine when they are there at
// exactly the pinned versions (a `pulumi` on PATH or in the `pulumi` npm package's cache, the plugin `pulumi plugin
// install` lays out), which spares a CI runner with internet access the Go builds; otherwise it builds them. The
// installed ones here are the binaries the suite built, placed where those installations put them. The downloads
// it tries where they are missing cannot succeed on this machine (no internet) and are not tested here.
const versions = versionsFile(path.join(ENGINE_DIR, "versions.env"));

describe("scripts/engine/build.sh with the engine installed on the machine", function () {
    this.timeout(20 * 60_000);
    let work: string;
    let pathDir: string;
    let engineDir: string;
    let built: string;
    const run = (env: Record<string, string> = {}) => {
        const started = Date.now();
        const result = spawnSync("bash", [path.join(ENGINE_DIR, "build.sh")], {
            encoding: "utf8",
            env: {
                ...process.env,
                PATH: [pathDir, process.env.PATH].join(path.delimiter),
                PULUMI_HOME: path.join(work, "pulumi-home"),
                ENGINE_BIN_DIR: engineDir,
                ...env,
            },
            timeout: 15 * 60_000,
        });
        assert.strictEqual(result.status, 0, result.stderr);
        return { stdout: result.stdout.trim(), stderr: result.stderr, seconds: (Date.now() - started) / 1000 };
    };
    const version = (binary: string) => spawnSync(binary, ["version"], { encoding: "utf8" }).stdout.trim();

    before(() => {
        built = engineBinDir();
        work = fs.mkdtempSync(path.join(os.tmpdir(), "engine-build-"));
        pathDir = path.join(work, "path");
        fs.mkdirSync(pathDir);
        fs.symlinkSync(path.join(built, "pulumi"), path.join(pathDir, "pulumi"));
        const plugin = path.join(work, "pulumi-home", "plugins", `resource-kubernetes-v${versions.KUBERNETES_PROVIDER_VERSION}`);
        fs.mkdirSync(plugin, { recursive: true });
        fs.copyFileSync(path.join(built, "pulumi-resource-kubernetes"), path.join(plugin, "pulumi-resource-kubernetes"));
        fs.chmodSync(path.join(plugin, "pulumi-resource-kubernetes"), 0o755);
        engineDir = path.join(work, "engine");
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("links the installed CLI and provider plugin instead of building them", () => {
        const { stdout, stderr, seconds } = run();
        assert.strictEqual(stdout.split("\n").pop(), engineDir);
        assert.match(stderr, new RegExp(`pulumi ${versions.PULUMI_VERSION} installed at ${path.join(pathDir, "pulumi")}`));
        assert.match(stderr, /pulumi-resource-kubernetes \S+ installed at .*pulumi-home\/plugins\/resource-kubernetes-v/);
        assert.doesNotMatch(stderr, /pulumi done at|github\.com\/pulumi\/pulumi-kubernetes\/provider\/v4 v4/);
        assert.ok(seconds < 60, `took ${seconds} s`);
        assert.strictEqual(fs.readlinkSync(path.join(engineDir, "bin", "pulumi")), path.join(pathDir, "pulumi"));
        assert.strictEqual(version(path.join(engineDir, "bin", "pulumi")), versions.PULUMI_VERSION);
    });

    it("keeps that set while the installed CLI stays at the pinned version", () => {
        const { stdout, stderr } = run();
        assert.strictEqual(stdout, engineDir);
        assert.strictEqual(stderr, "");
    });

    it("builds the CLI when the one installed is gone, and still links the provider", () => {
        fs.rmSync(path.join(pathDir, "pulumi"));
        const { stdout, stderr } = run({ ENGINE_DOWNLOADS: "false" });
        assert.strictEqual(stdout.split("\n").pop(), engineDir);
        assert.match(stderr, /engine build: pulumi done at/);
        assert.ok(!fs.lstatSync(path.join(engineDir, "bin", "pulumi")).isSymbolicLink());
        assert.strictEqual(version(path.join(engineDir, "bin", "pulumi")), versions.PULUMI_VERSION);
        assert.ok(fs.lstatSync(path.join(engineDir, "bin", "pulumi-resource-kubernetes")).isSymbolicLink());
    });

    it("links the CLI the pulumi npm package keeps in its cache", () => {
        const cache = path.join(work, "pulumi-home", "versions", versions.PULUMI_VERSION.replace(/^v/, ""), "bin");
        fs.mkdirSync(cache, { recursive: true });
        fs.copyFileSync(path.join(built, "pulumi"), path.join(cache, "pulumi"));
        fs.chmodSync(path.join(cache, "pulumi"), 0o755);
        engineDir = path.join(work, "engine-from-npm-cache");
        const { stdout, stderr } = run({ ENGINE_DOWNLOADS: "false" });
        assert.strictEqual(stdout.split("\n").pop(), engineDir);
        assert.match(stderr, new RegExp(`pulumi ${versions.PULUMI_VERSION} from the pulumi npm package at ${path.join(cache, "pulumi")}`));
        assert.strictEqual(fs.readlinkSync(path.join(engineDir, "bin", "pulumi")), path.join(cache, "pulumi"));
    });
});

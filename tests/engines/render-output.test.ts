import "../helpers/pulumi";
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RENDER_MARKER, writeRender } from "../../scripts/lib/renderOutput";
import { REPO_ROOT } from "../helpers/stacks";

const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), "render-out-"));
const listing = (directory: string): string[] =>
    fs
        .readdirSync(directory, { withFileTypes: true })
        .flatMap((entry) => (entry.isDirectory() ? listing(path.join(directory, entry.name)).map((child) => `${entry.name}/${child}`) : [entry.name]))
        .sort();

// `npm run render -- --out .` once deleted a whole checkout, .git included: the render now deletes only its own files.
describe("render output directory (scripts/lib/renderOutput.ts)", () => {
    it("refuses a directory that is not a previous render, before evaluating anything, and leaves it as it was", () => {
        const checkout = scratch();
        fs.mkdirSync(path.join(checkout, ".git"));
        fs.writeFileSync(path.join(checkout, ".git", "HEAD"), "ref: refs/heads/main\n");
        fs.writeFileSync(path.join(checkout, "index.ts"), "// user code\n");
        const run = spawnSync(process.execPath, ["-r", "ts-node/register", path.join("scripts", "render.ts"), "--stack", "dev", "--out", checkout], {
            cwd: REPO_ROOT,
            encoding: "utf8",
            timeout: 60_000,
            env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
        });
        assert.notStrictEqual(run.status, 0);
        assert.match(run.stderr, /holds 2 entries \(\.git, index\.ts\) and no \.observability-render\.json: it is not a previous render/);
        assert.deepStrictEqual(listing(checkout), [".git/HEAD", "index.ts"]);
        fs.rmSync(checkout, { recursive: true, force: true });
    });

    it("replaces a previous render's files, removes the ones it no longer writes, and keeps files it did not write", () => {
        const out = scratch();
        writeRender(out, "dev", { "SUMMARY.md": "one", "dashboards/old.json": "{}", "helm/grafana.values.yaml": "a: 1" });
        fs.writeFileSync(path.join(out, "NOTES.md"), "my review notes");
        writeRender(out, "dev", { "SUMMARY.md": "two", "helm/grafana.values.yaml": "a: 2" });
        assert.deepStrictEqual(listing(out), [RENDER_MARKER, "NOTES.md", "SUMMARY.md", "helm/grafana.values.yaml"]);
        assert.strictEqual(fs.readFileSync(path.join(out, "SUMMARY.md"), "utf8"), "two");
        assert.strictEqual(fs.readFileSync(path.join(out, "NOTES.md"), "utf8"), "my review notes");
        fs.rmSync(out, { recursive: true, force: true });
    });

    it("writes into a new or empty directory, and never follows a marker outside its directory", () => {
        const parent = scratch();
        writeRender(path.join(parent, "new"), "staging", { "SUMMARY.md": "x" });
        assert.deepStrictEqual(listing(path.join(parent, "new")), [RENDER_MARKER, "SUMMARY.md"]);
        fs.writeFileSync(path.join(parent, "precious"), "keep");
        fs.writeFileSync(path.join(parent, "new", RENDER_MARKER), JSON.stringify({ writtenBy: "npm run render", stack: "x", files: ["../precious"] }));
        assert.throws(() => writeRender(path.join(parent, "new"), "staging", { "SUMMARY.md": "y" }), /names \.\.\/precious, outside/);
        assert.strictEqual(fs.readFileSync(path.join(parent, "precious"), "utf8"), "keep");
        fs.rmSync(parent, { recursive: true, force: true });
    });
});

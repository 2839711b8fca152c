import "../helpers/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as semver from "semver";
import { parse } from "yaml";
import { TOOL_VERSIONS } from "../../scripts/lib/goTools";
import { REPO_ROOT } from "../helpers/stacks";

const packageJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
const installed = (name: string) => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "node_modules", name, "package.json"), "utf8"));
const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");

/** Every package npm installed, from its lockfile (node_modules/.package-lock.json, written by npm ci). */
function installedPackages(): Array<{ name: string; engines?: { node?: string } }> {
    const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "node_modules", ".package-lock.json"), "utf8"));
    return Object.keys(lock.packages)
        .filter((key) => key.startsWith("node_modules/"))
        .map((key) => {
            const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, key, "package.json"), "utf8"));
            return { name: key.slice("node_modules/".length), engines: manifest.engines };
        });
}

describe("toolchain versions agree", () => {
    const node = TOOL_VERSIONS.NODE_VERSION;

    it("the Pulumi CLI (npm package `pulumi`) is the SDK's version, both pinned exactly", () => {
        const sdk = packageJson.dependencies["@pulumi/pulumi"];
        const cli = packageJson.devDependencies.pulumi;
        assert.match(sdk, /^\d+\.\d+\.\d+$/);
        assert.strictEqual(cli, sdk);
        assert.deepStrictEqual([installed("pulumi").version, installed("@pulumi/pulumi").version], [cli, sdk]);
    });

    it(`Node.js ${node}, the version README and the workflows name, satisfies package.json's engines and every installed package's`, () => {
        assert.ok(semver.satisfies(node, packageJson.engines.node), `${node} vs engines ${packageJson.engines.node}`);
        // engines names the oldest Node that every dependency accepts: no looser (users would hit EBADENGINE).
        const refusing = installedPackages().filter((p) => p.engines?.node && !semver.satisfies(node, p.engines.node));
        assert.deepStrictEqual(
            refusing.map((p) => `${p.name}: ${p.engines!.node}`),
            [],
        );
        const minimum = semver.minVersion(packageJson.engines.node)!.version;
        const tooOld = installedPackages().filter((p) => p.engines?.node && !semver.satisfies(minimum, p.engines.node));
        assert.deepStrictEqual(
            tooOld.map((p) => `${p.name}: ${p.engines!.node}`),
            [],
            `engines.node ${packageJson.engines.node} admits ${minimum}`,
        );
        const setup = parse(fs.readFileSync(path.join(REPO_ROOT, ".github", "actions", "setup", "action.yml"), "utf8"));
        const setupNode = setup.runs.steps.find((step: any) => String(step.uses).startsWith("actions/setup-node"));
        assert.strictEqual(String(setupNode.with["node-version"]), node);
        assert.ok(readme.includes(`Node.js ${semver.major(node)}`) && readme.includes(node), "README names the Node version");
    });

    it(".ci/run runs the whole suite on the machine's Node and the unit tier again on the pinned one", () => {
        const ci = fs.readFileSync(path.join(REPO_ROOT, ".ci", "run"), "utf8");
        assert.match(ci, /node-linux-\$node_arch@\$NODE_VERSION/);
        assert.match(ci, /^npm test$/m);
        assert.match(ci, /^PATH="\$node_bin:\$PATH" npm run test:unit$/m);
    });
});

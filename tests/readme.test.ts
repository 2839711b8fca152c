import "./helpers/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CONFIGURATION_DOC, SECTION_DOCS, configReference } from "../scripts/config-reference";
import { SECRET_KEYS } from "../stacks/config";
import { configSchema } from "../stacks/schema";
import { REPO_ROOT, loadStack, testSecrets } from "./helpers/stacks";

const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
const configuration = fs.readFileSync(path.join(REPO_ROOT, CONFIGURATION_DOC), "utf8");
const packageJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };

describe("README", () => {
    it("quick start: one command deploys dev, one runs the tests, and both scripts exist", () => {
        const quickStart = readme.slice(readme.indexOf("## Quick start"), readme.indexOf("## Layout"));
        assert.match(quickStart, /^npm run up:dev\b/m);
        assert.match(quickStart, /^npm test\b/m);
        assert.ok(packageJson.scripts["up:dev"] && packageJson.scripts.test);
    });
});

describe(CONFIGURATION_DOC, () => {
    it("the configuration reference is the one generated from the schema and presets (npm run docs)", () => {
        assert.match(packageJson.scripts.docs, /scripts\/config-reference\.ts --write/);
        assert.ok(configuration.includes(configReference()), `${CONFIGURATION_DOC}'s configuration reference is stale: regenerate it with npm run docs`);
    });

    it("documents every top-level config key", () => {
        assert.deepStrictEqual(Object.keys(SECTION_DOCS).sort(), Object.keys(configSchema.shape).sort());
    });

    it("shows the loader's real error messages for the mistakes it uses as examples", () => {
        const messages: string[] = [];
        for (const attempt of [
            () => loadStack("staging", { loki: JSON.stringify({ retention: "2 weeks" }) }),
            () => loadStack("staging", {}, testSecrets(["smtpPassword"])),
        ]) {
            assert.throws(attempt, (error: Error) => { messages.push(...error.message.split("\n").slice(1)); return true; });
        }
        for (const message of messages) assert.ok(configuration.includes(message), `${CONFIGURATION_DOC} does not show: ${message}`);
    });

    it("lists every secret config key the loader knows", () => {
        for (const key of SECRET_KEYS) assert.match(configuration, new RegExp(`\\| \`${key}\` \\|`), key);
    });
});

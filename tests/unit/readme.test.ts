import "../helpers/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CONFIGURATION_DOC, configReference, SECTION_DOCS } from "../../scripts/config-reference";
import { SECRET_KEYS } from "../../stacks/config";
import { configSchema } from "../../stacks/schema";
import { loadStack, REPO_ROOT, testSecrets } from "../helpers/stacks";

const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
const configuration = fs.readFileSync(path.join(REPO_ROOT, CONFIGURATION_DOC), "utf8");
const packageJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };

/** README.md and every docs/*.md, by their path from the repository root. */
const DOCUMENTS = [
    "README.md",
    ...fs
        .readdirSync(path.join(REPO_ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
];

/** Markdown without fenced blocks and inline code, where brackets and parentheses are not links. */
const prose = (markdown: string) => markdown.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");

/** The anchors GitHub gives a document's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
    const seen = new Map<string, number>();
    const result = new Set<string>();
    for (const [, heading] of markdown.replace(/^```[\s\S]*?^```/gm, "").matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
        const slug = heading
            .replace(/`/g, "")
            .toLowerCase()
            .replace(/[^\p{L}\p{N}\s_-]/gu, "")
            .replace(/ /g, "-");
        const count = seen.get(slug) ?? 0;
        seen.set(slug, count + 1);
        result.add(count === 0 ? slug : `${slug}-${count}`);
    }
    return result;
}

describe("README", () => {
    it("quick start: one command deploys dev, one runs the tests, and both scripts exist", () => {
        const quickStart = readme.slice(readme.indexOf("## Quick start"), readme.indexOf("## Layout"));
        assert.match(quickStart, /^npm run up:dev\b/m);
        assert.match(quickStart, /^npm test\b/m);
        assert.ok(packageJson.scripts["up:dev"] && packageJson.scripts.test);
    });

    it("stays at most 250 lines: the rest belongs in docs/", () => {
        const lines = readme.replace(/\n$/, "").split("\n").length;
        assert.ok(lines <= 250, `README.md has ${lines} lines`);
    });

    it("every relative link in README.md and docs/*.md points at a file that exists (and a heading, when it names one)", () => {
        let links = 0;
        const broken: string[] = [];
        for (const document of DOCUMENTS) {
            const text = fs.readFileSync(path.join(REPO_ROOT, document), "utf8");
            for (const [, target] of prose(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
                if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
                links += 1;
                const [file, anchor] = target.split("#", 2) as [string, string | undefined];
                const resolved = file === "" ? document : path.posix.normalize(path.posix.join(path.posix.dirname(document), decodeURIComponent(file)));
                const absolute = path.join(REPO_ROOT, resolved);
                if (resolved.startsWith("..") || !fs.existsSync(absolute)) {
                    broken.push(`${document}: ${target} (no file ${resolved})`);
                } else if (anchor && resolved.endsWith(".md") && !anchors(fs.readFileSync(absolute, "utf8")).has(anchor)) {
                    broken.push(`${document}: ${target} (no heading #${anchor} in ${resolved})`);
                }
            }
        }
        assert.deepStrictEqual(broken, []);
        assert.ok(links >= 10, `only ${links} relative links found: is the pattern still right?`);
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
            assert.throws(attempt, (error: Error) => {
                messages.push(...error.message.split("\n").slice(1));
                return true;
            });
        }
        for (const message of messages) assert.ok(configuration.includes(message), `${CONFIGURATION_DOC} does not show: ${message}`);
    });

    it("lists every secret config key the loader knows", () => {
        for (const key of SECRET_KEYS) assert.match(configuration, new RegExp(`\\| \`${key}\` \\|`), key);
    });
});

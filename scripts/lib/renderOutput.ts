// Writes a render into its output directory without ever deleting what the render did not write: the
// directory must be new, empty, or a previous render (its marker lists the files that render wrote; those
// are replaced, anything else in the directory is left alone). `--out .` in a checkout is refused.
import * as fs from "fs";
import * as path from "path";

/** The marker a render leaves in its directory: which files it wrote. */
export const RENDER_MARKER = ".observability-render.json";

interface Marker {
    writtenBy: "npm run render";
    stack: string;
    files: string[];
}

function previousRender(out: string): Marker | undefined {
    const marker = path.join(out, RENDER_MARKER);
    if (!fs.existsSync(marker)) return undefined;
    const parsed = JSON.parse(fs.readFileSync(marker, "utf8")) as Marker;
    if (parsed.writtenBy !== "npm run render" || !Array.isArray(parsed.files)) throw new Error(`${marker} is not a render marker; refusing to touch ${out}`);
    return parsed;
}

/** Why `out` must not be written to, or undefined when it may. */
export function refusal(out: string): string | undefined {
    if (!fs.existsSync(out)) return undefined;
    if (!fs.statSync(out).isDirectory()) return `--out ${out} is a file, not a directory`;
    const entries = fs.readdirSync(out);
    if (entries.length === 0 || previousRender(out)) return undefined;
    return (
        `--out ${out} holds ${entries.length} entries (${entries.slice(0, 3).join(", ")}${entries.length > 3 ? ", …" : ""}) and no ${RENDER_MARKER}: ` +
        "it is not a previous render, so nothing in it is replaced. Choose a new or empty directory (the default is render/<stack>)"
    );
}

/** Removes the files a previous render wrote (and the folders that leaves empty), then writes `files`. */
export function writeRender(out: string, stack: string, files: Record<string, string>): void {
    const refused = refusal(out);
    if (refused) throw new Error(refused);
    const previous = previousRender(out);
    for (const file of previous?.files ?? []) {
        const full = path.resolve(out, file);
        // A marker edited to point outside the directory must not reach further than the render's own files.
        if (!full.startsWith(path.resolve(out) + path.sep)) throw new Error(`${RENDER_MARKER} names ${file}, outside ${out}`);
        fs.rmSync(full, { force: true });
        for (let folder = path.dirname(full); folder !== path.resolve(out); folder = path.dirname(folder)) {
            if (!fs.existsSync(folder) || fs.readdirSync(folder).length > 0) break;
            fs.rmdirSync(folder);
        }
    }
    for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
        fs.writeFileSync(path.join(out, file), text);
    }
    const marker: Marker = { writtenBy: "npm run render", stack, files: Object.keys(files).sort() };
    fs.writeFileSync(path.join(out, RENDER_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
}

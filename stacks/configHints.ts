// What the loader adds to a schema problem so the user can fix it at once: the key they probably meant, the
// level a stray key belongs at, "remove the quotes" for a quoted number, "use a YAML list" for a list given as
// one string. The allowed keys come from the schema itself (zod's own definitions), never from a second list.
import type { z } from "zod";

type Definition = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; element?: z.ZodType; in?: z.ZodType; valueType?: z.ZodType };
const definition = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Definition } })._zod.def;

/** The object or array schema below optional/default/nullable/pipe wrappers. */
function unwrapped(schema: z.ZodType): z.ZodType {
    let current = schema;
    for (;;) {
        const def = definition(current);
        const inner = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
        if (!inner) return current;
        current = inner;
    }
}

/** The keys an object at `path` may hold (list indexes step into the list's element); undefined if not an object. */
export function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
    let current = unwrapped(schema);
    for (const part of path) {
        const def = definition(current);
        if (def.type === "array" && def.element) current = unwrapped(def.element);
        else if (def.type === "object" && def.shape && typeof part === "string" && def.shape[part]) current = unwrapped(def.shape[part]);
        else if (def.type === "record" && def.valueType) current = unwrapped(def.valueType);
        else return undefined;
    }
    const def = definition(current);
    return def.type === "object" && def.shape ? Object.keys(def.shape) : undefined;
}

/** Every key path the schema allows, as "a.b.c" (list elements as "a[].b"). */
export function allKeyPaths(schema: z.ZodType, trail = ""): string[] {
    const def = definition(unwrapped(schema));
    if (def.type === "array" && def.element) return allKeyPaths(def.element, `${trail}[]`);
    if (def.type !== "object" || !def.shape) return [];
    return Object.entries(def.shape).flatMap(([key, child]) => {
        const path = trail ? `${trail}.${key}` : key;
        return [path, ...allKeyPaths(child, path)];
    });
}

/** Levenshtein distance: how many single-character edits turn one key into another. */
function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length];
}

/** The allowed key closest to `key`, when it is close enough to be a typo (a third of its letters at most). */
export function closestKey(key: string, allowed: readonly string[]): string | undefined {
    const ranked = allowed.map((candidate) => ({ candidate, distance: editDistance(key, candidate) })).sort((a, b) => a.distance - b.distance);
    const best = ranked[0];
    return best && best.distance > 0 && best.distance <= Math.max(1, Math.floor(key.length / 3)) ? best.candidate : undefined;
}

/** A hint for an unknown key at `path`: a near miss at this level, or the levels where a key of that name belongs. */
export function unknownKeyHint(schema: z.ZodType, path: readonly PropertyKey[], key: string, project: string): string {
    const allowed = allowedKeysAt(schema, path) ?? [];
    const near = closestKey(key, allowed);
    if (near) return `did you mean "${near}"?`;
    const elsewhere = allKeyPaths(schema).filter((candidate) => candidate === key || candidate.endsWith(`.${key}`));
    if (elsewhere.length > 0) {
        return `"${key}" belongs at ${elsewhere
            .slice(0, 3)
            .map((candidate) => `${project}:${candidate}`)
            .join(" or ")}, not here.`;
    }
    return `allowed keys: ${allowed.join(", ")}`;
}

/** A hint for a value of the wrong type, in the user's words. */
export function typeHint(expected: string | undefined, given: unknown): string | undefined {
    if (typeof given === "string" && given.trim() !== "") {
        if (expected === "number" && !Number.isNaN(Number(given))) return `remove the quotes: ${given.trim()} is a number, "${given.trim()}" is text`;
        if (expected === "boolean" && ["true", "false"].includes(given.trim())) return `remove the quotes: ${given.trim()}, not "${given.trim()}"`;
        if (expected === "array") return `use a YAML list, one item per line ("- ${given.split(/[,\s]+/).filter(Boolean)[0] ?? "item"}"), not one string`;
    }
    return undefined;
}

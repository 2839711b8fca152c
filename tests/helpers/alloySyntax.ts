// A reader for Alloy configuration syntax (https://grafana.com/docs/alloy/latest/get-started/syntax/),
// enough to check a generated configuration without the alloy binary: blocks, labels, attributes and
// expressions are parsed into a tree, so tests can follow the references between components.

export type AlloyExpr =
    | { kind: "string"; value: string }
    | { kind: "number"; value: number }
    | { kind: "bool"; value: boolean }
    | { kind: "null" }
    | { kind: "list"; items: AlloyExpr[] }
    | { kind: "object"; entries: Record<string, AlloyExpr> }
    /** A dotted reference such as `loki.write.default.receiver`. */
    | { kind: "ref"; path: string[] }
    | { kind: "call"; callee: string[]; args: AlloyExpr[] }
    | { kind: "op"; operator: string; operands: AlloyExpr[] };

export interface AlloyBlock {
    /** Block name, dotted for components: "otelcol.exporter.otlp". */
    name: string;
    /** The component label ("default" in `loki.write "default" { }`), if any. */
    label?: string;
    attributes: Record<string, AlloyExpr>;
    blocks: AlloyBlock[];
    line: number;
}

interface Token { type: "ident" | "string" | "number" | "punct"; text: string; value?: string; line: number }

const PUNCTUATION = ["==", "!=", "<=", ">=", "&&", "||", "{", "}", "[", "]", "(", ")", "=", ",", ".", "+", "-", "*", "/", "%", "^", "!", "<", ">", ":"];
const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", a: "\x07", b: "\b", f: "\f", v: "\v" };

export class AlloySyntaxError extends Error {}

function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    let line = 1;
    const fail = (message: string): never => { throw new AlloySyntaxError(`line ${line}: ${message}`); };
    while (i < text.length) {
        const c = text[i];
        if (c === "\n") { line += 1; i += 1; continue; }
        if (/\s/.test(c)) { i += 1; continue; }
        if (text.startsWith("//", i)) { while (i < text.length && text[i] !== "\n") i += 1; continue; }
        if (text.startsWith("/*", i)) {
            const end = text.indexOf("*/", i + 2);
            if (end < 0) fail("unterminated block comment");
            line += (text.slice(i, end).match(/\n/g) ?? []).length;
            i = end + 2;
            continue;
        }
        if (c === '"') {
            let value = "";
            i += 1;
            while (text[i] !== '"') {
                if (i >= text.length || text[i] === "\n") fail("unterminated string");
                if (text[i] === "\\") {
                    const escaped = ESCAPES[text[i + 1]];
                    if (escaped === undefined) fail(`unknown escape \\${text[i + 1]}`);
                    value += escaped;
                    i += 2;
                } else {
                    value += text[i];
                    i += 1;
                }
            }
            tokens.push({ type: "string", text: "string", value, line });
            i += 1;
            continue;
        }
        if (c === "`") {
            const end = text.indexOf("`", i + 1);
            if (end < 0) fail("unterminated raw string");
            const value = text.slice(i + 1, end);
            tokens.push({ type: "string", text: "string", value, line });
            line += (value.match(/\n/g) ?? []).length;
            i = end + 1;
            continue;
        }
        const number = /^\d+(\.\d+)?/.exec(text.slice(i));
        if (number) { tokens.push({ type: "number", text: number[0], line }); i += number[0].length; continue; }
        const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
        if (ident) { tokens.push({ type: "ident", text: ident[0], line }); i += ident[0].length; continue; }
        const punct = PUNCTUATION.find((p) => text.startsWith(p, i));
        if (!punct) fail(`unexpected character ${JSON.stringify(c)}`);
        tokens.push({ type: "punct", text: punct!, line });
        i += punct!.length;
    }
    return tokens;
}

/** Parses a whole configuration into its top-level blocks; throws AlloySyntaxError on bad syntax. */
export function parseAlloy(text: string): AlloyBlock[] {
    const tokens = tokenize(text);
    let position = 0;
    const peek = (offset = 0): Token | undefined => tokens[position + offset];
    const fail = (message: string): never => { throw new AlloySyntaxError(`line ${peek()?.line ?? "end"}: ${message}`); };
    const next = (): Token => tokens[position++] ?? fail("unexpected end of input");
    const isPunct = (text: string, token = peek()) => token?.type === "punct" && token.text === text;
    const expect = (text: string) => { if (!isPunct(text)) fail(`expected "${text}", got "${peek()?.text ?? "end"}"`); next(); };

    function body(closing: boolean): Omit<AlloyBlock, "name" | "label" | "line"> {
        const attributes: Record<string, AlloyExpr> = {};
        const blocks: AlloyBlock[] = [];
        while (peek() && !(closing && isPunct("}"))) {
            const start = next();
            if (start.type !== "ident") fail(`expected an attribute or block name, got "${start.text}"`);
            const nameParts = [start.text];
            while (isPunct(".")) { next(); const part = next(); if (part.type !== "ident") fail("expected a name after \".\""); nameParts.push(part.text); }
            if (isPunct("=")) {
                if (nameParts.length > 1) fail(`attribute names cannot be dotted: ${nameParts.join(".")}`);
                next();
                if (start.text in attributes) fail(`attribute "${start.text}" set twice`);
                attributes[start.text] = expression();
                continue;
            }
            let label: string | undefined;
            if (peek()?.type === "string") label = next().value;
            expect("{");
            const inner = body(true);
            expect("}");
            blocks.push({ name: nameParts.join("."), label, ...inner, line: start.line });
        }
        return { attributes, blocks };
    }

    function expression(): AlloyExpr {
        let left = unary();
        while (peek()?.type === "punct" && ["==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%", "^", "<", ">"].includes(peek()!.text)) {
            const operator = next().text;
            left = { kind: "op", operator, operands: [left, unary()] };
        }
        return left;
    }

    function unary(): AlloyExpr {
        if (isPunct("!") || isPunct("-")) { const operator = next().text; return { kind: "op", operator, operands: [unary()] }; }
        return primary();
    }

    function list<T>(closing: string, item: () => T): T[] {
        const items: T[] = [];
        while (!isPunct(closing)) {
            items.push(item());
            if (!isPunct(closing)) expect(",");
        }
        next();
        return items;
    }

    function primary(): AlloyExpr {
        const token = next();
        if (token.type === "string") return { kind: "string", value: token.value! };
        if (token.type === "number") return { kind: "number", value: Number(token.text) };
        if (isPunct("[", token)) return { kind: "list", items: list("]", expression) };
        if (isPunct("(", token)) { const inner = expression(); expect(")"); return inner; }
        if (isPunct("{", token)) {
            const entries: Record<string, AlloyExpr> = {};
            list("}", () => {
                const key = next();
                if (key.type !== "ident" && key.type !== "string") fail("expected an object key");
                expect("=");
                entries[key.value ?? key.text] = expression();
            });
            return { kind: "object", entries };
        }
        if (token.type !== "ident") return fail(`unexpected "${token.text}"`);
        if (token.text === "true" || token.text === "false") return { kind: "bool", value: token.text === "true" };
        if (token.text === "null") return { kind: "null" };
        const path = [token.text];
        while (isPunct(".")) { next(); const part = next(); if (part.type !== "ident") fail("expected a name after \".\""); path.push(part.text); }
        if (isPunct("(")) { next(); return { kind: "call", callee: path, args: list(")", expression) }; }
        return { kind: "ref", path };
    }

    const { attributes, blocks } = body(false);
    if (Object.keys(attributes).length > 0) fail(`top-level attributes are not allowed: ${Object.keys(attributes).join(", ")}`);
    return blocks;
}

/** Every reference inside an expression (function names are not references). */
export function referencesIn(expr: AlloyExpr): string[][] {
    switch (expr.kind) {
        case "ref": return [expr.path];
        case "list": return expr.items.flatMap(referencesIn);
        case "object": return Object.values(expr.entries).flatMap(referencesIn);
        case "call": return expr.args.flatMap(referencesIn);
        case "op": return expr.operands.flatMap(referencesIn);
        default: return [];
    }
}

/** Every reference in a block and its nested blocks, with the attribute path it was found at. */
export function blockReferences(block: AlloyBlock, trail: string[] = []): Array<{ at: string; path: string[] }> {
    const found: Array<{ at: string; path: string[] }> = [];
    for (const [name, expr] of Object.entries(block.attributes)) {
        for (const path of referencesIn(expr)) found.push({ at: [...trail, name].join("."), path });
    }
    for (const child of block.blocks) found.push(...blockReferences(child, [...trail, child.name]));
    return found;
}

/** The identifier other components use for a component: `<name>.<label>`. */
export const componentId = (block: AlloyBlock) => (block.label === undefined ? block.name : `${block.name}.${block.label}`);

/** The nested block at a path of block names, e.g. ["client", "tls"]. */
export function childBlock(block: AlloyBlock, ...names: string[]): AlloyBlock | undefined {
    let current: AlloyBlock | undefined = block;
    for (const name of names) current = current?.blocks.find((b) => b.name === name);
    return current;
}

/** A literal attribute value (string, number, bool, or a list of them), undefined when absent or computed. */
export function literal(block: AlloyBlock | undefined, attribute: string): unknown {
    const toValue = (expr: AlloyExpr): unknown => {
        switch (expr.kind) {
            case "string": case "number": case "bool": return expr.value;
            case "null": return null;
            case "list": return expr.items.map(toValue);
            default: return undefined;
        }
    };
    const expr = block?.attributes[attribute];
    return expr ? toValue(expr) : undefined;
}

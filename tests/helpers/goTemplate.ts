// A structural reader of Go text/template (the language of Grafana's notification templates): actions
// `{{ ... }}` with optional trim markers, blocks opened by define/if/range/with/block and closed by end,
// and `template "name"` calls. Grafana rejects a template whose blocks do not close; a contact point that
// calls a name no template defines sends an error text instead of the message.

export interface TemplateStructure {
    /** Names of `{{ define "..." }}` blocks. */
    defined: string[];
    /** Names called with `{{ template "..." }}`. */
    called: string[];
    /** Text outside every action, per top-level position (what the template prints literally). */
    literals: string[];
    problems: string[];
}

const ACTION = /\{\{(-\s)?([\s\S]*?)(\s-)?\}\}/g;
const OPENERS = ["define", "if", "range", "with", "block"];

export function readTemplate(text: string): TemplateStructure {
    const structure: TemplateStructure = { defined: [], called: [], literals: [], problems: [] };
    const open: string[] = [];
    let last = 0;
    for (const match of text.matchAll(ACTION)) {
        structure.literals.push(text.slice(last, match.index));
        last = match.index! + match[0].length;
        const body = match[2].trim();
        if (body.startsWith("/*")) continue;
        const keyword = body.split(/\s+/)[0];
        const quoted = /^"([^"]*)"/.exec(body.slice(keyword.length).trim())?.[1];
        if (OPENERS.includes(keyword)) {
            open.push(keyword);
            if (keyword === "define") {
                if (quoted === undefined) structure.problems.push(`define without a quoted name: {{${match[2]}}}`);
                else structure.defined.push(quoted);
            }
            if (keyword === "block" && quoted !== undefined) structure.defined.push(quoted);
        } else if (keyword === "else") {
            const innermost = open[open.length - 1];
            if (!["if", "range", "with"].includes(innermost)) structure.problems.push(`else outside if/range/with: {{${match[2]}}}`);
        } else if (keyword === "end") {
            if (open.pop() === undefined) structure.problems.push("end without an open block");
        } else if (keyword === "template") {
            if (quoted === undefined) structure.problems.push(`template without a quoted name: {{${match[2]}}}`);
            else structure.called.push(quoted);
        }
        if ((body.match(/"/g) ?? []).length % 2 !== 0) structure.problems.push(`unbalanced quotes in {{${match[2]}}}`);
        if (/\(/.test(body) && (body.match(/\(/g) ?? []).length !== (body.match(/\)/g) ?? []).length) {
            structure.problems.push(`unbalanced parentheses in {{${match[2]}}}`);
        }
    }
    structure.literals.push(text.slice(last));
    if (open.length > 0) structure.problems.push(`unclosed blocks: ${open.join(", ")}`);
    const stray = text.replace(ACTION, "");
    if (/\{\{|\}\}/.test(stray)) structure.problems.push("a stray {{ or }} outside a complete action");
    return structure;
}

// Alloy configurations as Alloy's own parser reads them (tools/alloysyntax, github.com/grafana/alloy/syntax):
// blocks, labels, nested blocks and attributes, each attribute either the constant Alloy's evaluator computes
// or an expression with the references it contains. The helpers below only walk that tree.
import * as path from "path";
import { runGoCheck, withInputFiles } from "../../scripts/lib/goTools";

export type AlloyValue = { kind: "constant"; value: unknown; source: string } | { kind: "expression"; value: null; source: string; references?: string[][] };

export interface AlloyBlock {
    /** Block name, dotted for components: "otelcol.exporter.otlp". */
    name: string;
    /** The component label ("default" in `loki.write "default" { }`); absent when the block has none. */
    label?: string;
    line: number;
    attributes: Record<string, AlloyValue>;
    blocks: AlloyBlock[];
}

/** A parsed file: the parser accepts attributes at the top level (Alloy's runtime refuses them later). */
export interface AlloyFile {
    attributes: Record<string, AlloyValue>;
    blocks: AlloyBlock[];
}

/** The parser's (or, for a constant, the evaluator's) message. */
export class AlloySyntaxError extends Error {}

interface ToolAttribute {
    name: string;
    line: number;
    value: AlloyValue;
}
interface ToolBlock {
    name: string;
    label?: string;
    line: number;
    attributes: ToolAttribute[];
    blocks: ToolBlock[];
}
interface ToolFile {
    file: string;
    error?: string;
    attributes: ToolAttribute[];
    blocks: ToolBlock[];
}

// The tool refuses a repeated attribute, so a record keeps every one.
const attributesOf = (attributes: ToolAttribute[]) => Object.fromEntries(attributes.map((a) => [a.name, a.value]));
const blockOf = (block: ToolBlock): AlloyBlock => ({
    name: block.name,
    ...(block.label === undefined ? {} : { label: block.label }),
    line: block.line,
    attributes: attributesOf(block.attributes),
    blocks: block.blocks.map(blockOf),
});

/** Parses several configurations with one run of the parser: each is its tree or the error Alloy gives. */
export function parseAlloyConfigs(sources: readonly string[]): Array<AlloyFile | AlloySyntaxError> {
    return withInputFiles("config", ".alloy", sources, (files, directory) => {
        // Exit 1: some file does not parse; its result carries the message.
        const output = runGoCheck<{ files: ToolFile[] }>("alloysyntax", files, undefined, [0, 1]);
        return output.files.map((file) =>
            file.error !== undefined
                ? new AlloySyntaxError(file.error.split(directory + path.sep).join(""))
                : { attributes: attributesOf(file.attributes), blocks: file.blocks.map(blockOf) },
        );
    });
}

/** Parses one configuration; throws AlloySyntaxError with Alloy's message when it does not parse. */
export function parseAlloy(source: string): AlloyFile {
    const [result] = parseAlloyConfigs([source]);
    if (result instanceof AlloySyntaxError) throw result;
    return result;
}

/** Every reference in a block and its nested blocks, with the attribute path it was found at. */
export function blockReferences(block: AlloyBlock, trail: string[] = []): Array<{ at: string; path: string[] }> {
    const found: Array<{ at: string; path: string[] }> = [];
    for (const [name, value] of Object.entries(block.attributes)) {
        for (const reference of value.kind === "expression" ? (value.references ?? []) : []) found.push({ at: [...trail, name].join("."), path: reference });
    }
    for (const child of block.blocks) found.push(...blockReferences(child, [...trail, child.name]));
    return found;
}

/** The identifier other components use for a component: `<name>.<label>`. */
export const componentId = (block: AlloyBlock) => (block.label === undefined ? block.name : `${block.name}.${block.label}`);

/** The nested block at a path of block names, e.g. ["client", "tls"]. */
export function childBlock(block: AlloyBlock | undefined, ...names: string[]): AlloyBlock | undefined {
    let current = block;
    for (const name of names) current = current?.blocks.find((b) => b.name === name);
    return current;
}

/** An attribute's constant value; undefined when the attribute is absent or computed from references or calls. */
export function literal(block: AlloyBlock | undefined, attribute: string): unknown {
    const value = block?.attributes[attribute];
    return value?.kind === "constant" ? value.value : undefined;
}

/** Resolves a reference such as otelcol.processor.batch.apps.input to its component and export. */
export function resolveReference(components: Map<string, AlloyBlock>, path: string[]): { id: string; block: AlloyBlock; exported: string } | undefined {
    for (let split = path.length - 1; split > 0; split -= 1) {
        const id = path.slice(0, split).join(".");
        const block = components.get(id);
        if (block) return { id, block, exported: path.slice(split).join(".") };
    }
    return undefined;
}

/** The components a component hands its data to (its forward_to, or the lists in its output block). */
export function downstream(components: Map<string, AlloyBlock>, id: string, signal?: string): string[] {
    const block = components.get(id)!;
    return blockReferences(block)
        .filter(({ at }) => at === "forward_to" || (signal ? at === `output.${signal}` : at.startsWith("output.")))
        .map(({ path }) => resolveReference(components, path)!.id);
}

/** Every chain of components from `start` to a component that hands data to nobody. */
export function chains(components: Map<string, AlloyBlock>, start: string, signal?: string): string[][] {
    const next = downstream(components, start, signal);
    if (next.length === 0) return [[start]];
    return next.flatMap((id) => chains(components, id, signal).map((chain) => [start, ...chain]));
}

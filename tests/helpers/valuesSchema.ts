// Type checks of Helm values against a chart's values.schema.json, which Helm enforces before it renders
// anything: a value of the wrong type (a number where the schema says string) fails the install. Covers
// the JSON Schema keywords these charts use for shape: type, properties, additionalProperties, items.
import * as fs from "fs";
import * as path from "path";
import { SHARED_CHARTS_DIR } from "../../scripts/lib/chartKeys";

interface Schema {
    type?: string | string[];
    properties?: Record<string, Schema>;
    additionalProperties?: boolean | Schema;
    items?: Schema;
}

export function valuesSchema(chart: string, version: string): Schema {
    return JSON.parse(fs.readFileSync(path.join(SHARED_CHARTS_DIR, chart, version, "values.schema.json"), "utf8")) as Schema;
}

function typeOf(value: unknown): string[] {
    if (value === null) return ["null"];
    if (Array.isArray(value)) return ["array"];
    if (typeof value === "number") return Number.isInteger(value) ? ["integer", "number"] : ["number"];
    return [typeof value];
}

/** Every place in `values` whose type the schema does not allow, as "path: got X, expected Y" (empty when all fit). */
export function schemaTypeErrors(schema: Schema, values: unknown, trail = "(root)"): string[] {
    const errors: string[] = [];
    if (schema.type !== undefined) {
        const allowed = Array.isArray(schema.type) ? schema.type : [schema.type];
        const actual = typeOf(values);
        if (!actual.some((type) => allowed.includes(type))) errors.push(`${trail}: got ${actual[0]}, expected ${allowed.join(" or ")}`);
    }
    if (values !== null && typeof values === "object" && !Array.isArray(values)) {
        for (const [key, child] of Object.entries(values)) {
            const childTrail = trail === "(root)" ? key : `${trail}.${key}`;
            const childSchema = schema.properties?.[key] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
            if (childSchema) errors.push(...schemaTypeErrors(childSchema, child, childTrail));
            else if (schema.additionalProperties === false) errors.push(`${childTrail}: not allowed by the schema`);
        }
    }
    if (Array.isArray(values) && schema.items) {
        values.forEach((item, index) => errors.push(...schemaTypeErrors(schema.items!, item, `${trail}[${index}]`)));
    }
    return errors;
}

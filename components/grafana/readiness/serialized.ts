// The gate's provider as Pulumi serializes a dynamic provider into the state (the `__provider` input), written
// beside the compiled program by `npm run build` (`node bin/components/grafana/readiness/serialized.js`).
// Serializing it in every evaluation costs Pulumi's closure serializer about 0.4 s (an inspector session over
// every loaded script, and the functions' source parsed with TypeScript), a fifth of a production preview.
// The text depends only on the compiled modules of this folder (the provider captures nothing else:
// tests/engines/grafana-readiness.test.ts) and on the SDK's serializer, so it is written with a fingerprint of
// both and used only while the fingerprint matches. Otherwise (the TypeScript run directly, a build without this
// step, another SDK version) it is serialized in the evaluation, as `pulumi.dynamic.Resource` would.

import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { grafanaEndpointProvider } from "./provider";

const SERIALIZED_FILE = path.join(__dirname, "provider.serialized.json");

/** The SDK's version and every compiled module of this folder; undefined when running the TypeScript sources. */
function fingerprint(): string | undefined {
    const modules = fs
        .readdirSync(__dirname)
        .filter((name) => name.endsWith(".js"))
        .sort();
    if (modules.length === 0) return undefined;
    const hash = crypto.createHash("sha256");
    hash.update(JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")).version);
    for (const name of modules) hash.update(`\0${name}\0`).update(fs.readFileSync(path.join(__dirname, name)));
    return hash.digest("hex");
}

/**
 * What `pulumi.dynamic.Resource` serializes: the SDK's own arrow function over a variable named `provider`,
 * since the function's text is part of the serialized text, and so of the state.
 */
export function serializeProvider(): Promise<{ text: string; containsSecrets: boolean }> {
    const provider = grafanaEndpointProvider;
    return pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
}

/** The text `npm run build` wrote, while it was written from these modules and this SDK. */
export function prebuiltProviderText(): string | undefined {
    if (!fs.existsSync(SERIALIZED_FILE)) return undefined;
    const written = JSON.parse(fs.readFileSync(SERIALIZED_FILE, "utf8")) as { fingerprint: string; text: string };
    return written.fingerprint === fingerprint() ? written.text : undefined;
}

/** The `__provider` input: the prebuilt text, or serialized now (secret if it captured a secret, as the SDK marks it). */
export function providerText(): pulumi.Input<string> {
    const prebuilt = prebuiltProviderText();
    if (prebuilt !== undefined) return prebuilt;
    const serialized = pulumi.output(serializeProvider());
    return serialized.apply(({ containsSecrets }) => (containsSecrets ? pulumi.secret(serialized.text) : serialized.text));
}

/** Writes the serialized provider beside the compiled modules; the build runs it. */
export async function writeSerializedProvider(): Promise<void> {
    const { text, containsSecrets } = await serializeProvider();
    // A captured secret would be written to disk in plain text: the provider captures no value at all.
    if (containsSecrets) throw new Error("the readiness gate's provider captured a secret: it must capture nothing but functions");
    const print = fingerprint();
    if (!print) throw new Error(`${__dirname} holds no compiled module: run it from the compiled program (bin/)`);
    fs.writeFileSync(SERIALIZED_FILE, JSON.stringify({ fingerprint: print, text }));
}

if (require.main === module) {
    writeSerializedProvider().catch((error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
    });
}

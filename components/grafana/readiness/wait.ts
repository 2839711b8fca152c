// Waits for Grafana's health endpoint with backoff, and gives up with the diagnosis of the last attempt.
// The dynamic provider (provider.ts) is serialized into the state and run by Pulumi's dynamic provider host,
// away from this program, with every function it calls and the module objects those live in: this module
// imports nothing at run time, exports functions only (TypeScript compiles a use of an exported constant to
// `exports.X`), and loads Node's built-in modules with `require` inside the functions.
import { explainNotReady, type ReadinessCheck } from "./diagnosis";
import { probeGrafana } from "./probe";

/** Tuning of the wait, for tests; the defaults are what `pulumi up` uses. */
export interface WaitOptions {
    /** Trusted CA certificates (PEM) replacing the default ones: tests trust their own CA this way. */
    ca?: string[];
    /** Timeout of one request, ms (default 10 s). */
    requestTimeoutMs?: number;
    /** First pause between attempts, ms (default 2 s), doubled after each attempt up to `maxDelayMs` (default 20 s). */
    initialDelayMs?: number;
    maxDelayMs?: number;
}

/** The result of a successful wait. */
export interface Ready {
    url: string;
    version?: string;
    attempts: number;
    seconds: number;
}

/**
 * Waits until `<url>/api/health` answers as Grafana does: HTTP 200 with a JSON body whose `database` is
 * "ok" (grafana/grafana pkg/api/http_server.go, `healthResponse` and `apiHealthHandler`; 503 with
 * "failing" when Grafana cannot reach its database), over trusted TLS for https. Retries with backoff
 * until `timeoutSeconds`, then throws the diagnosis of the last attempt.
 */
export async function waitForGrafana(check: ReadinessCheck, options: WaitOptions = {}): Promise<Ready> {
    const started = Date.now();
    const deadline = started + Math.max(0, Number(check.timeoutSeconds)) * 1000;
    const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    const maxDelayMs = options.maxDelayMs ?? 20_000;
    let delayMs = options.initialDelayMs ?? 2_000;
    let attempts = 0;
    for (;;) {
        attempts += 1;
        const remaining = deadline - Date.now();
        const probe = await probeGrafana(check.url, { ca: options.ca, requestTimeoutMs: Math.max(1_000, Math.min(requestTimeoutMs, remaining)) });
        const seconds = Math.round((Date.now() - started) / 1000);
        if (probe.ready) return { url: check.url, version: probe.version, attempts, seconds };
        if (Date.now() + delayMs >= deadline) throw new Error(explainNotReady(check, probe, attempts, seconds));
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        delayMs = Math.min(maxDelayMs, delayMs * 2);
    }
}

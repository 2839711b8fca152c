// Values in the form Grafana and terraform-provider-grafana hand back after a save. Pulumi compares the
// provider's read-back state with what the program sends; sending the read-back form makes the two equal
// byte for byte, so `pulumi preview` after `up` (or after `refresh`) has nothing to report.
// tests/engines/read-back.test.ts models each provider Read and checks every object the stacks create.

/**
 * `encoding/json.Marshal` of a decoded JSON value: object keys sorted (Go marshals maps sorted), no
 * whitespace, and `<`, `>`, `&`, U+2028, U+2029 escaped as `\u003c`… (Go's HTML-safe default). The
 * provider stores rule models and datasource jsonData in this form (normalizeModelJSON,
 * structure.NormalizeJsonString and datasourceConfigToState all end in json.Marshal).
 */
export function goJsonMarshal(value: unknown): string {
    return JSON.stringify(sortKeys(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(
            Object.keys(value)
                .sort()
                .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
        );
    }
    return value;
}

/**
 * Go's `time.Duration.String()` for whole seconds: "0s", "30s", "5m0s", "1h0m0s", "1h30m0s". The rule
 * group's `for` is read back as `strfmt.Duration.String()`, which is this (resource_alerting_rule_group.go,
 * packAlertRule).
 */
export function goDurationString(totalSeconds: number): string {
    if (!Number.isInteger(totalSeconds) || totalSeconds < 0) throw new Error(`not a whole number of seconds: ${totalSeconds}`);
    if (totalSeconds === 0) return "0s";
    const hours = Math.floor(totalSeconds / 3600);
    const minutes = Math.floor((totalSeconds % 3600) / 60);
    const seconds = totalSeconds % 60;
    if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
    if (minutes > 0) return `${minutes}m${seconds}s`;
    return `${seconds}s`;
}

const MS = { y: 365 * 86_400_000, w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;

/**
 * Prometheus' `model.Duration.String()` (prometheus/common model/time.go): the largest units first, years
 * and weeks only when they divide exactly, so 24h prints "1d", 7d "1w", 90m "1h30m". Grafana keeps route
 * timings as model.Duration and returns them printed this way (GET /api/v1/provisioning/policies).
 */
export function prometheusDurationString(totalMilliseconds: number): string {
    if (!Number.isInteger(totalMilliseconds) || totalMilliseconds < 0) throw new Error(`not a whole number of milliseconds: ${totalMilliseconds}`);
    if (totalMilliseconds === 0) return "0s";
    let rest = totalMilliseconds;
    let printed = "";
    for (const [unit, size] of Object.entries(MS) as Array<[keyof typeof MS, number]>) {
        if ((unit === "y" || unit === "w") && rest % size !== 0) continue;
        const count = Math.floor(rest / size);
        if (count > 0) {
            printed += `${count}${unit}`;
            rest -= count * size;
        }
    }
    return printed;
}

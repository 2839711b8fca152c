// Parsing of the string formats the config accepts. Each format is the one the consuming system reads,
// so a value that passes here is one Kubernetes, Prometheus, Loki or Tempo will accept as written.

const DURATION_UNITS_SECONDS: Record<string, number> = {
    ms: 0.001,
    s: 1,
    m: 60,
    h: 3600,
    d: 86400,
    w: 604800,
    y: 31536000,
};

/** Prometheus/Loki duration: one or more `<int><unit>` parts, e.g. "30s", "1h30m", "15d". */
export const DURATION_PATTERN = /^(\d+(ms|s|m|h|d|w|y))+$/;
export const DURATION_HINT = 'a duration such as "30s", "5m", "24h", "15d" or "2w" (units ms, s, m, h, d, w, y)';

export function durationSeconds(value: string): number {
    if (!DURATION_PATTERN.test(value)) throw new Error(`not a duration: ${JSON.stringify(value)}`);
    let total = 0;
    for (const [, amount, unit] of value.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) {
        total += Number(amount) * DURATION_UNITS_SECONDS[unit];
    }
    return total;
}

/** Go's time.Duration has no day or week unit (Tempo reads those), so durations go out as hours. */
export function goDuration(value: string): string {
    const seconds = durationSeconds(value);
    return seconds % 3600 === 0 ? `${seconds / 3600}h` : `${seconds}s`;
}

/** Kubernetes CPU quantity: cores ("2", "0.5") or millicores ("250m"). */
export const CPU_PATTERN = /^(\d+(\.\d+)?|\d+m)$/;
export const CPU_HINT = 'a CPU quantity such as "250m" or "2"';

export function cpuCores(value: string): number {
    if (!CPU_PATTERN.test(value)) throw new Error(`not a CPU quantity: ${JSON.stringify(value)}`);
    return value.endsWith("m") ? Number(value.slice(0, -1)) / 1000 : Number(value);
}

const BYTE_SUFFIXES: Record<string, number> = {
    "": 1,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
};

/** Kubernetes memory/storage quantity: "512Mi", "10Gi", "1G". */
export const BYTES_PATTERN = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$/;
export const BYTES_HINT = 'a size such as "512Mi", "10Gi" or "1Ti"';

export function quantityBytes(value: string): number {
    const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(value);
    if (!match) throw new Error(`not a size: ${JSON.stringify(value)}`);
    return Number(match[1]) * BYTE_SUFFIXES[match[2] ?? ""];
}

/** Prometheus' --storage.tsdb.retention.size format: "45GB" (base-2 units despite the names). */
export const PROMETHEUS_SIZE_PATTERN = /^\d+(B|KB|MB|GB|TB|PB)$/;
export const PROMETHEUS_SIZE_HINT = 'a size in Prometheus\' format such as "900MB" or "45GB" (units B, KB, MB, GB, TB, PB)';

export function prometheusSizeBytes(value: string): number {
    const match = /^(\d+)(B|KB|MB|GB|TB|PB)$/.exec(value);
    if (!match) throw new Error(`not a Prometheus size: ${JSON.stringify(value)}`);
    const power = ["B", "KB", "MB", "GB", "TB", "PB"].indexOf(match[2]);
    return Number(match[1]) * 1024 ** power;
}

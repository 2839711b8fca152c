// Builders for the synthetic input series of promtool rule tests, one sample a minute, in promtool's
// expanding notation ("a+bxn" is a, a+b, ..., a+n·b: n+1 samples; "_" is a missing sample).

/** One input series of a promtool test: a series selector and one sample a minute in promtool's notation. */
export interface SyntheticSeries {
    series: string;
    values: string;
}

/** `metric{k="v", ...}` as promtool reads series. */
export function seriesName(metric: string, labels: Record<string, string>): string {
    const matchers = Object.entries(labels).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
    return `${metric}{${matchers.join(",")}}`;
}

export interface Segment {
    minutes: number;
    /** Counter: increase per minute; gauge: the value. */
    value: number;
}

/** A counter that starts at 0 and grows by each segment's per-minute increase, for its minutes. */
export function counter(segments: Segment[]): string {
    let total = 0;
    const parts = ["0"];
    for (const { minutes, value } of segments) {
        if (minutes < 1) continue;
        parts.push(`${total + value}+${value}x${minutes - 1}`);
        total += value * minutes;
    }
    return parts.join(" ");
}

/** A gauge holding each segment's value for its minutes (one sample each), the first from minute 0. */
export function gauge(segments: Segment[]): string {
    return segments
        .filter(({ minutes }) => minutes >= 1)
        .map(({ minutes, value }) => `${value}+0x${minutes - 1}`)
        .join(" ");
}

export function series(metric: string, labels: Record<string, string>, values: string): SyntheticSeries {
    return { series: seriesName(metric, labels), values };
}

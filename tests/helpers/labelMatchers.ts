// Label matchers of a Prometheus, Loki or Pyroscope selector, applied to a label set as those engines apply them.

export interface Matcher {
    name: string;
    op: "=" | "!=" | "=~" | "!~";
    value: string;
}

/** Prometheus semantics (which Loki and Pyroscope share): a missing label is the empty string; regular expressions are fully anchored. */
export function selects(matchers: Matcher[], labels: Record<string, string>): boolean {
    return matchers.every(({ name, op, value }) => {
        const actual = labels[name] ?? "";
        if (op === "=") return actual === value;
        if (op === "!=") return actual !== value;
        const full = new RegExp(`^(?:${value})$`).test(actual);
        return op === "=~" ? full : !full;
    });
}

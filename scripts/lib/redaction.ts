// How the offline tools (render, policy-offline) keep secret values out of what they write or print.
import { SECRET_SIG } from "./stackFile";

export const REDACTED = "[secret]";

/** `text` with every known secret value replaced by REDACTED. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
    return secrets.reduce((masked, secret) => masked.split(secret).join(REDACTED), text);
}

/**
 * Unwraps secret inputs, masking in them every secret value the evaluation knows (config secrets, the
 * generated password, the token): the structure around a secret stays reviewable, the secret does not.
 */
export function redact(value: unknown, secrets: readonly string[], insideSecret = false): unknown {
    if (typeof value === "string") return insideSecret ? maskSecrets(value, secrets) : value;
    if (Array.isArray(value)) return value.map((item) => redact(item, secrets, insideSecret));
    if (value && typeof value === "object") {
        const object = value as Record<string, unknown>;
        if (SECRET_SIG in object) return redact(object.value, secrets, true);
        return Object.fromEntries(Object.entries(object).map(([key, child]) => [key, redact(child, secrets, insideSecret)]));
    }
    return value;
}

// What every section of the collector's configuration writes the same way.

/** An Alloy string literal: Alloy's strings take JSON's escapes, so any URL or tenant stays one string. */
export const quote = (text: string): string => JSON.stringify(text);

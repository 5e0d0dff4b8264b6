/**
 * JSON as the store keeps it: outbox payloads are opaque JSON, and a retried append is
 * recognised by comparing events as canonical JSON (keys sorted), because an event read
 * back from a store need not list its keys in the order the caller built them.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** `JSON.stringify` with object keys sorted at every depth; `undefined` members dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) sorted[key] = sortKeys(member);
  }
  return sorted;
}

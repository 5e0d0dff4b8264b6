/**
 * Instants cross the port as ISO timestamps (like case events' `at`); adapters compare and
 * order them as epoch milliseconds, since ISO strings with different offsets or precision
 * do not sort as text.
 */
import { StoreError } from "./store-error.ts";

export function toMillis(timestamp: string, field: string): number {
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) {
    throw new StoreError("invalid_request", `${field} is not an ISO timestamp: ${timestamp}`);
  }
  return ms;
}

export function fromMillis(ms: number): string {
  return new Date(ms).toISOString();
}

export function optionalFromMillis(ms: number | null): string | undefined {
  return ms === null ? undefined : fromMillis(ms);
}

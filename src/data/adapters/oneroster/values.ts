/** Cell values shared by the roster readers: dates, true/false, lists, addresses, ids. */
import { type DayNumber, parseIsoDate } from "../../dates.ts";
import { echo } from "../../ids.ts";
import type { Row } from "./table.ts";

/**
 * The date in `column` (`YYYY-MM-DD`; a timestamp's date part is not accepted), undefined
 * when blank, or `null` when the row was rejected (`invalid_value`).
 */
export function dateCell(row: Row, column: string): DayNumber | undefined | null {
  const v = row.get(column);
  if (v === "") return undefined;
  const day = parseIsoDate(v);
  if (day === undefined) {
    row.reject("invalid_value", column, `${column} must be a date (YYYY-MM-DD), got "${echo(v)}"`);
    return null;
  }
  return day;
}

/** true/false in any case (`TRUE`, `False`), undefined when blank, `null` when rejected. */
export function booleanCell(row: Row, column: string): boolean | undefined | null {
  const v = row.get(column).toLowerCase();
  if (v === "") return undefined;
  if (v === "true") return true;
  if (v === "false") return false;
  row.reject(
    "invalid_value",
    column,
    `${column} must be true or false, got "${echo(row.get(column))}"`,
  );
  return null;
}

/** A comma-separated list cell (OneRoster's `termSourcedIds`, `grades`), trimmed, blanks dropped. */
export function listCell(row: Row, column: string): string[] {
  return row
    .get(column)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

export function isAddress(v: string): boolean {
  return /^[^@\s]+@[^@\s]+$/.test(v);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(v: string): boolean {
  return GUID.test(v);
}

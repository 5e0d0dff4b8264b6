import { join } from "node:path";
import { parseIsoDate } from "../../dates.ts";
import { echo } from "../../ids.ts";
import type { ImportReport } from "../../import-report.ts";
import { FolderTally, jsonFiles, lineOf, readJsonDocuments } from "./json-files.ts";
import { ACTIVE_KIND, TEAMS_ACTIVITY_DIR, TEAMS_COUNTS } from "./names.ts";
import { type GraphUsers, userKey } from "./users.ts";

interface Kept {
  refresh: number;
  counts: [string, number][];
  inPeriod: boolean;
  file: string;
  line: number;
  signature: string;
}

const fieldOf = (i: number, name: string) => `value[${i}].${name}`;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Teams user activity detail (`getTeamsUserActivityUserDetail` as JSON, `{"value": [...]}`
 * per document): per user and report, the last day the user was active with the counts of
 * the report period. Each becomes `active` 1 on that day and the period's counts on it too
 * (a 7-day report gives only the last active day, not each day of activity). Where several
 * reports give the same user and last active day, the latest report (`reportRefreshDate`)
 * is kept; two rows of the same report for one user are a conflict.
 */
export function readTeamsActivity(
  dir: string,
  report: ImportReport,
  users: GraphUsers,
): FolderTally | undefined {
  const files = jsonFiles(dir, TEAMS_ACTIVITY_DIR);
  if (files === undefined) return undefined;
  const tally = new FolderTally(report, TEAMS_ACTIVITY_DIR, "activity");
  const kept = new Map<string, Kept>();
  let deleted = 0;
  let inactive = 0;
  let superseded = 0;
  let beforePeriod = 0;
  const periods = new Set<string>();
  for (const file of files) {
    const docs = readJsonDocuments(
      join(dir, file),
      file,
      (line, message) => tally.failFile(file, line, message),
      (line, reason) => tally.reject(file, line, "invalid_value", reason),
    );
    for (const doc of docs) {
      const rows = record(doc.value)?.value;
      if (!Array.isArray(rows)) {
        tally.reject(
          file,
          doc.line,
          "missing_field",
          'a report document must be {"value": [...]}',
          "value",
        );
        continue;
      }
      rows.forEach((row, i) => {
        const at = (field: string) => lineOf(doc, ["value", i, field]);
        const r = record(row);
        if (!r) {
          tally.reject(
            file,
            lineOf(doc, ["value", i]),
            "invalid_value",
            "a user row must be an object",
            `value[${i}]`,
          );
          return;
        }
        const problem = readRow(r, i, file, tally, at);
        if (problem === undefined) return;
        const { upn, day, refresh, counts } = problem;
        periods.add(String(r.reportPeriod ?? ""));
        if (r.isDeleted === true || day === undefined) {
          if (r.isDeleted === true) deleted++;
          else inactive++;
          tally.accept();
          return;
        }
        const key = userKey(upn, "") as string;
        const period = Number(r.reportPeriod);
        const inPeriod =
          refresh === undefined || !Number.isInteger(period) || day > refresh - period;
        const slot = `${key}\u0000${day}`;
        const before = kept.get(slot);
        const entry: Kept = {
          refresh: refresh ?? -1,
          counts,
          inPeriod,
          file,
          line: lineOf(doc, ["value", i]),
          signature: JSON.stringify(counts),
        };
        if (before !== undefined && before.refresh === entry.refresh) {
          const same = before.signature === entry.signature;
          const where = `${before.file} line ${before.line}`;
          tally.reject(
            file,
            entry.line,
            same ? "duplicate" : "conflict",
            same
              ? `repeats the row of the same user and report at ${where}`
              : `the same user and report (reportRefreshDate) as ${where}, with other counts: the first is kept`,
            fieldOf(i, "userPrincipalName"),
          );
          return;
        }
        tally.accept();
        users.see(key, upn, "", "");
        if (!inPeriod) beforePeriod++;
        if (before === undefined) kept.set(slot, entry);
        else {
          superseded++;
          if (entry.refresh > before.refresh) kept.set(slot, entry);
        }
      });
    }
  }
  for (const [slot, k] of kept) {
    const [user, dayText] = slot.split("\u0000") as [string, string];
    const day = Number(dayText);
    users.add(user, day, ACTIVE_KIND, 1);
    if (k.inPeriod) for (const [kind, n] of k.counts) users.add(user, day, kind, n);
  }
  if (periods.size > 0) {
    tally.note(
      `report period(s): ${[...periods].map((p) => `${p || "?"} days`).join(", ")}; each row gives the user's last active day only`,
    );
  }
  if (deleted > 0)
    tally.note(`${deleted} row(s) of deleted users (isDeleted): accepted, no activity`);
  if (inactive > 0) {
    tally.note(`${inactive} row(s) without lastActivityDate (no activity): accepted, no activity`);
  }
  if (superseded > 0) {
    tally.note(
      `${superseded} row(s) give a user's last active day that another report gives too: the latest report's counts kept`,
    );
  }
  if (beforePeriod > 0) {
    tally.note(
      `${beforePeriod} row(s) have a lastActivityDate before their report period: that day is active, the period's counts are not put on it`,
    );
  }
  return tally;
}

/** The fields Reach uses of one row, or undefined when the row is rejected. */
function readRow(
  r: Record<string, unknown>,
  i: number,
  file: string,
  tally: FolderTally,
  at: (field: string) => number,
):
  | {
      upn: string;
      day: number | undefined;
      refresh: number | undefined;
      counts: [string, number][];
    }
  | undefined {
  const field = (name: string) => fieldOf(i, name);
  const upn = typeof r.userPrincipalName === "string" ? r.userPrincipalName.trim() : "";
  if (!upn.includes("@")) {
    tally.reject(
      file,
      at("userPrincipalName"),
      "missing_field",
      upn === ""
        ? "userPrincipalName is empty"
        : "userPrincipalName is not an address (hidden by the tenant's report privacy setting?)",
      field("userPrincipalName"),
    );
    return undefined;
  }
  const dateOf = (name: string): number | undefined | null => {
    const v = r[name];
    if (v === undefined || v === null || v === "") return undefined;
    const day = typeof v === "string" ? parseIsoDate(v.trim()) : undefined;
    if (day === undefined) {
      tally.reject(
        file,
        at(name),
        "invalid_value",
        `${name} must be a date (YYYY-MM-DD), got "${echo(String(v))}"`,
        field(name),
      );
      return null;
    }
    return day;
  };
  const day = dateOf("lastActivityDate");
  if (day === null) return undefined;
  const refresh = dateOf("reportRefreshDate");
  if (refresh === null) return undefined;
  const counts: [string, number][] = [];
  for (const [name, kind] of Object.entries(TEAMS_COUNTS)) {
    const v = r[name];
    if (v === undefined || v === null) continue;
    const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      tally.reject(
        file,
        at(name),
        "invalid_value",
        `${name} must be a whole number ≥ 0, got ${echo(JSON.stringify(v))}`,
        field(name),
      );
      return undefined;
    }
    counts.push([kind, n]);
  }
  return { upn, day, refresh, counts };
}

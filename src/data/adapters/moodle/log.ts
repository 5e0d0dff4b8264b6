import { csvLine } from "../../csv.ts";
import { echo } from "../../ids.ts";
import type { FileTally } from "../../import-report.ts";
import { type CsvSource, readHeadedCsv } from "../headed-csv.ts";
import { LEVEL_OTHER, LEVEL_PARTICIPATING, LEVEL_TEACHING } from "./names.ts";
import type { LocalDays } from "./settings.ts";

/** Why a well-formed log row is not a student's activity. */
export type DropReason =
  | "no_user"
  | "guest"
  | "admin"
  | "logged_in_as"
  | "anonymous"
  | "teaching"
  | "other"
  | "teacher";

const DROP_TEXT: Record<DropReason, string> = {
  no_user: "have userid 0 (nobody logged in, e.g. a failed login)",
  guest: "are the guest account's",
  admin: "are a site administrator's",
  logged_in_as: 'were done by someone "logged in as" the user (realuserid set)',
  anonymous: "are anonymous (anonymous = 1: Moodle hides who did them)",
  teaching: "are teaching (edulevel 1)",
  other: "are neither teaching nor participating (edulevel 0: logins, dashboards, messages…)",
  teacher:
    "are participating rows of users who also have teaching rows (edulevel 1): taken as teachers, not students",
};

/** Per user (in order of first participating row): count per day and kind (`day * 65536 + kind`). */
export interface MoodleActivity {
  users: Map<string, Map<number, number>>;
  kinds: string[];
  /** Users with at least one teaching row. */
  teachers: Set<string>;
}

export interface LogOptions {
  days: LocalDays;
  guestIds: ReadonlySet<string>;
  adminIds: ReadonlySet<string>;
}

/** A NULL column as database exports write it: empty, `NULL` or `\N`. */
function isNull(text: string): boolean {
  return text === "" || text === "\\N" || text.toUpperCase() === "NULL";
}

/** `mod_quiz` → quiz; core events by their target (course, course_module…); others by component. */
export function moodleKind(component: string, target: string, eventname: string): string {
  let comp = component;
  if (comp === "") comp = /^\\([a-z0-9_]+)\\/.exec(eventname)?.[1] ?? "";
  if (comp.startsWith("mod_")) return comp.slice(4);
  if (comp === "core") return target || "core";
  return comp;
}

/**
 * Streams the log: every participating row of a student is counted for the day it falls
 * on in the site's time zone and its kind. Rows that are not a student's own activity are
 * accepted and counted per reason (notes); rows Reach cannot read are rejected with their
 * line and field. `ip` and `other` are never kept, not even in the quarantine file.
 */
export async function readMoodleLog(
  source: CsvSource,
  file: string,
  options: LogOptions,
): Promise<{ activity: MoodleActivity; tally: FileTally | undefined }> {
  const activity: MoodleActivity = { users: new Map(), kinds: [], teachers: new Set() };
  const kindIndex = new Map<string, number>();
  const dropped = new Map<DropReason, { rows: number; firstLine: number }>();
  const drop = (reason: DropReason, line: number, rows = 1) => {
    const d = dropped.get(reason);
    if (!d) dropped.set(reason, { rows, firstLine: line });
    else {
      d.rows += rows;
      d.firstLine = Math.min(d.firstLine, line);
    }
  };
  /** Participating rows per user, to say how many a teacher's were. */
  const participating = new Map<string, { rows: number; firstLine: number }>();
  const tally = await readHeadedCsv(
    source,
    file,
    "activity",
    {
      required: [
        "eventname",
        "component",
        "target",
        "edulevel",
        "userid",
        "anonymous",
        "timecreated",
        "realuserid",
      ] as const,
      optional: ["ip", "other"] as const,
    },
    (f, line, c, tally) => {
      const raw = () => {
        const kept = [...f];
        if (c.ip >= 0) kept[c.ip] = "";
        if (c.other >= 0) kept[c.other] = "";
        return csvLine(kept);
      };
      const bad = (field: string, what: string) =>
        tally.reject(line, "invalid_value", what, field, raw());
      const userid = (f[c.userid] as string).trim();
      if (!/^\d{1,18}$/.test(userid)) {
        return bad("userid", `userid must be a whole number, got "${echo(userid)}"`);
      }
      const levelText = (f[c.edulevel] as string).trim();
      if (!/^[012]$/.test(levelText)) {
        return bad("edulevel", `edulevel must be 0, 1 or 2, got "${echo(levelText)}"`);
      }
      const timeText = (f[c.timecreated] as string).trim();
      if (!/^\d{1,12}$/.test(timeText)) {
        return bad(
          "timecreated",
          `timecreated must be Unix time in seconds, got "${echo(timeText)}"`,
        );
      }
      const anonymousText = (f[c.anonymous] as string).trim();
      if (!/^[01]?$/.test(anonymousText)) {
        return bad("anonymous", `anonymous must be 0 or 1, got "${echo(anonymousText)}"`);
      }
      const realuser = (f[c.realuserid] as string).trim();
      if (!isNull(realuser) && !/^\d{1,18}$/.test(realuser)) {
        return bad("realuserid", `realuserid must be a user id or NULL, got "${echo(realuser)}"`);
      }
      const level = Number(levelText);
      tally.accept();
      const id = String(Number(userid));
      if (id === "0") return drop("no_user", line);
      if (options.guestIds.has(id)) return drop("guest", line);
      if (options.adminIds.has(id)) return drop("admin", line);
      if (!isNull(realuser)) return drop("logged_in_as", line);
      if (anonymousText === "1") return drop("anonymous", line);
      if (level === LEVEL_OTHER) return drop("other", line);
      if (level === LEVEL_TEACHING) {
        activity.teachers.add(id);
        return drop("teaching", line);
      }
      if (level !== LEVEL_PARTICIPATING) return;
      const kindName = moodleKind(
        (f[c.component] as string).trim(),
        (f[c.target] as string).trim(),
        (f[c.eventname] as string).trim(),
      );
      let kind = kindIndex.get(kindName);
      if (kind === undefined) {
        kind = activity.kinds.length;
        activity.kinds.push(kindName);
        kindIndex.set(kindName, kind);
      }
      const day = options.days.dayOf(Number(timeText) * 1000);
      let days = activity.users.get(id);
      if (days === undefined) {
        days = new Map();
        activity.users.set(id, days);
      }
      const key = day * 65536 + kind;
      days.set(key, (days.get(key) ?? 0) + 1);
      const p = participating.get(id);
      if (p) p.rows++;
      else participating.set(id, { rows: 1, firstLine: line });
    },
  );
  if (tally) {
    for (const id of activity.teachers) {
      const p = participating.get(id);
      if (!p) continue;
      drop("teacher", p.firstLine, p.rows);
      activity.users.delete(id);
    }
    for (const reason of Object.keys(DROP_TEXT) as DropReason[]) {
      const d = dropped.get(reason);
      if (!d) continue;
      tally.note(
        `${d.rows} row(s) ${DROP_TEXT[reason]} (first at line ${d.firstLine}): accepted, not a student's activity`,
      );
    }
  }
  return { activity, tally };
}

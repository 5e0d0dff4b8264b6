/**
 * The small JSON settings file an activity source may have beside its data (`moodle.json`,
 * `graph.json`): the time zone its days are counted in and the school its users belong
 * to. Activity exports carry neither, and a command line names only a folder, so the
 * folder says them. An absent file means the defaults; a file Reach cannot use fails the
 * import with a message naming the file and the setting.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { echo } from "../../ids.ts";
import type { ImportReport } from "../../import-report.ts";

/** Days of an activity source are counted in this zone unless its settings say otherwise. */
export const DEFAULT_TIMEZONE = "Europe/London";
/** The school of an activity source's students when its settings name none (as OEA's unplaced). */
export const UNKNOWN_SCHOOL = "unknown";

export interface ActivitySettings {
  timezone: string;
  school: string;
  schoolName: string;
}

/** A setting beyond the common three: its name and how to check a value. */
export interface ExtraSetting {
  name: string;
  kind: "ids";
}

/** True when `zone` is an IANA time zone this Node knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-CA", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads `file` in `dir`. Returns the settings (defaults filled in) and the extra settings
 * it has, or undefined when the file cannot be used: the report then has the file failed
 * with every problem, and the caller reads nothing else.
 */
export function readActivitySettings(
  dir: string,
  file: string,
  report: ImportReport,
  extras: readonly ExtraSetting[] = [],
): { settings: ActivitySettings; extra: Map<string, number[]> } | undefined {
  const settings: ActivitySettings = {
    timezone: DEFAULT_TIMEZONE,
    school: UNKNOWN_SCHOOL,
    schoolName: UNKNOWN_SCHOOL,
  };
  const extra = new Map<string, number[]>();
  const path = join(dir, file);
  if (!existsSync(path)) return { settings, extra };
  const tally = report.file(file, "settings");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    tally.fail(`${file} is not JSON: ${(error as Error).message}`);
    return undefined;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    tally.fail(`${file} must be a JSON object such as {"timezone": "${DEFAULT_TIMEZONE}"}`);
    return undefined;
  }
  const problems: string[] = [];
  const known = ["timezone", "school", "school_name", ...extras.map((e) => e.name)];
  for (const [key, value] of Object.entries(json)) {
    if (!known.includes(key)) {
      problems.push(`unknown setting "${echo(key)}" (expected ${known.join(", ")})`);
      continue;
    }
    const extraSpec = extras.find((e) => e.name === key);
    if (extraSpec) {
      const ids = Array.isArray(value) ? value : [value];
      if (!ids.every((v) => Number.isInteger(v) && (v as number) >= 0)) {
        problems.push(`${key} must be a user id or a list of them (whole numbers)`);
      } else extra.set(key, ids as number[]);
      continue;
    }
    if (typeof value !== "string" || value.trim() === "") {
      problems.push(`${key} must be a non-empty string`);
      continue;
    }
    const text = value.trim();
    if (key === "timezone") {
      if (isTimeZone(text)) settings.timezone = text;
      else problems.push(`timezone "${echo(text)}" is not an IANA time zone (e.g. Europe/London)`);
    } else if (key === "school") settings.school = text;
    else settings.schoolName = text;
  }
  if (problems.length > 0) {
    tally.fail(`${file}: ${problems.join("; ")}`);
    return undefined;
  }
  if (!Object.hasOwn(json, "school_name")) settings.schoolName = settings.school;
  tally.note(
    `days counted in ${settings.timezone}; students placed in school "${settings.school}"`,
  );
  return { settings, extra };
}

/**
 * The day number (in `timezone`) of instants in epoch milliseconds, memoised per quarter
 * hour: every zone's offset and every change of offset falls on a quarter hour.
 */
export class LocalDays {
  private readonly cache = new Map<number, number>();
  private readonly format: Intl.DateTimeFormat;

  constructor(timezone: string) {
    // en-CA writes dates as YYYY-MM-DD.
    this.format = new Intl.DateTimeFormat("en-CA", {
      timeZone: timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
  }

  dayOf(ms: number): number {
    const slot = Math.floor(ms / 900_000);
    let day = this.cache.get(slot);
    if (day === undefined) {
      const parts = this.format.formatToParts(new Date(ms));
      const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
      day = Math.floor(Date.UTC(get("year"), get("month") - 1, get("day")) / 86_400_000);
      if (this.cache.size > 200_000) this.cache.clear();
      this.cache.set(slot, day);
    }
    return day;
  }
}

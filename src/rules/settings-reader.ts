/**
 * Reads the `policy:` section: identity, schedule, clean-slate window, absent statuses,
 * access, cool-down, severity inhibition and suppressions, with their defaults.
 */
import { validateDetailed } from "node-cron";
import { isMap, isScalar, type Node } from "yaml";
import { type AttendanceStatus, CIRCUMSTANCE_KINDS } from "../data/schema.ts";
import { readAbsentStatuses } from "./metric-test-reader.ts";
import { own } from "./own.ts";
import type { Place, Policy, PolicyPlaces, QuietHours, Suppressions } from "./policy.ts";
import {
  ACCESS,
  misplacedHint,
  POLICY_KEYS,
  QUIET_HOURS_KEYS,
  SUPPRESS_KEYS,
} from "./policy-keys.ts";
import { nearest } from "./suggest.ts";
import { describe, type Entry, type Slot, type YamlReader } from "./yaml-reader.ts";

export const DEFAULT_WINDOW_DAYS = 45;
export const DEFAULT_COOLDOWN_DAYS = 10;
/** A daily run normally has data up to the school day before; three allows a long weekend's export to lag. */
export const DEFAULT_MAX_DATA_AGE_DAYS = 3;
export const DEFAULT_ABSENT_STATUSES: readonly AttendanceStatus[] = [
  "unexcused_absence",
  "excused_absence",
];
export const MAX_DAYS = 365;
/** The weekly digest for the policy's leads: Monday 08:00 in the policy's time zone. */
export const DEFAULT_DIGEST = "0 8 * * 1";
/** No messages to students from 18:00 to 08:00, nor on Saturday and Sunday. */
export const DEFAULT_QUIET_HOURS: Readonly<QuietHours> = Object.freeze({
  fromMinute: 18 * 60,
  toMinute: 8 * 60,
  weekends: true,
});

const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export type Settings = Omit<Policy, "rules" | "escalation" | "file"> & { idAt: Node | null };

/** The settings when all are valid, and the window on its own when it is (rules need it). */
export function readSettings(
  r: YamlReader,
  slot: Slot,
): { settings?: Settings; windowDays?: number } {
  const e = r.entries(slot, "policy", "policy");
  if (e === undefined) return {};
  const before = r.errors.length;
  r.checkKeys(e, "policy", POLICY_KEYS, misplacedHint("policy"));
  r.requireKeys(e, ["id", "name", "schools", "timezone", "schedule"], "policy", slot);
  const idEntry = e.get("id");
  const id = idEntry && readId(r, idEntry, "policy id");
  const nameEntry = e.get("name");
  const name = nameEntry && r.text(nameEntry, "name");
  const schoolsEntry = e.get("schools");
  const read = schoolsEntry && readSchools(r, schoolsEntry);
  const schools = read?.schools;
  const tzEntry = e.get("timezone");
  const timezone = tzEntry && readTimezone(r, tzEntry);
  const scheduleEntry = e.get("schedule");
  const schedule = scheduleEntry && readSchedule(r, scheduleEntry);
  const channel = optional(e, "channel", (s) => r.text(s, "channel"));
  const windowDays = optional(e, "window", (s) =>
    r.duration(s, "window", "school days", 1, MAX_DAYS),
  );
  const maxDataAge = optional(e, "max_data_age", (s) =>
    r.duration(s, "max_data_age", "school days", 0, MAX_DAYS),
  );
  const absentStatuses = optional(e, "absent_statuses", (s) => readAbsentStatuses(r, s));
  const access = optional(e, "access", (s) => r.oneOf(s, "access", ACCESS));
  const cooldownDays = optional(e, "cooldown", (s) =>
    r.duration(s, "cooldown", "school days", 0, MAX_DAYS),
  );
  const inhibition = optional(e, "severity_inhibition", (s) => r.boolean(s, "severity_inhibition"));
  const suppress = optional(e, "suppress", (s) => readSuppressions(r, s));
  const quiet = optional(e, "quiet_hours", (s) => readQuietHours(r, s));
  const digest = optional(e, "digest", (s) => readDigest(r, s));

  const window = windowDays.ok ? (windowDays.value ?? DEFAULT_WINDOW_DAYS) : undefined;
  if (r.errors.length > before || !id || !name || !schools || !timezone || !schedule) {
    return window === undefined ? {} : { windowDays: window };
  }
  const settings: Settings = {
    id,
    name,
    schools,
    timezone,
    schedule,
    windowDays: window ?? DEFAULT_WINDOW_DAYS,
    maxDataAgeDays: maxDataAge.value ?? DEFAULT_MAX_DATA_AGE_DAYS,
    absentStatuses: absentStatuses.value ?? [...DEFAULT_ABSENT_STATUSES],
    access: access.value ?? "advisees",
    suppress: suppress.value ?? defaultSuppressions(),
    cooldownDays: cooldownDays.value ?? DEFAULT_COOLDOWN_DAYS,
    severityInhibition: inhibition.value ?? true,
    quietHours: quiet.value === undefined ? { ...DEFAULT_QUIET_HOURS } : quiet.value,
    idAt: idEntry?.node ?? null,
    places: placesOf(r, e, read?.places ?? []),
  };
  if (channel.value !== undefined) settings.channel = channel.value;
  const digestCron = digest.value === undefined ? DEFAULT_DIGEST : digest.value;
  if (digestCron !== null) settings.digest = digestCron;
  return { settings, windowDays: settings.windowDays };
}

/** Where the settings that name values in the data are written. */
function placesOf(r: YamlReader, e: Map<string, Entry>, schools: Place[]): PolicyPlaces {
  const places: PolicyPlaces = { schools };
  const access = e.get("access");
  if (access !== undefined) places.access = r.position(r.slot(access).at);
  const absent = e.get("absent_statuses");
  if (absent !== undefined) places.absentStatuses = r.position(r.slot(absent).at);
  const age = e.get("max_data_age");
  if (age !== undefined) places.maxDataAge = r.position(r.slot(age).at);
  return places;
}

/** An optional key: `ok` is false when it is present and wrong. */
export function optional<T>(
  entries: Map<string, Entry>,
  key: string,
  read: (slot: Entry) => T | undefined,
): { ok: boolean; value: T | undefined } {
  const entry = entries.get(key);
  if (entry === undefined) return { ok: true, value: undefined };
  const value = read(entry);
  return { ok: value !== undefined, value };
}

function defaultSuppressions(): Suppressions {
  return {
    circumstances: [...CIRCUMSTANCE_KINDS],
    withdrawn: true,
    onLeave: true,
    firstDaysOfEnrolment: 0,
  };
}

export function readId(r: YamlReader, slot: Slot, what: string): string | undefined {
  const id = r.text(slot, what);
  if (id === undefined) return undefined;
  if (ID.test(id)) return id;
  const fixed = id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  r.error(
    r.slot(slot).at,
    "invalid_id",
    `${what} "${id}" may use only lower-case letters, digits and single dashes`,
    fixed !== "" ? `e.g. ${fixed}` : undefined,
  );
  return undefined;
}

/** The school ids, and where each is written (for checks against the data). */
function readSchools(
  r: YamlReader,
  slot: Slot,
): { schools: string[]; places: Place[] } | undefined {
  const items = r.list(slot, "schools", "schools: [sef]");
  if (items === undefined) return undefined;
  if (items.length === 0) {
    r.error(r.slot(slot).at, "invalid_value", "schools must list at least one school id");
    return undefined;
  }
  const schools: string[] = [];
  const places: Place[] = [];
  let ok = true;
  for (const item of items) {
    const school = r.text(item, "each school");
    if (school === undefined) ok = false;
    else if (schools.includes(school))
      r.warn(r.slot(item).at, "duplicate_value", `school ${school} is listed twice`);
    else {
      schools.push(school);
      places.push(r.position(r.slot(item).at));
    }
  }
  return ok ? { schools, places } : undefined;
}

let zoneNames: string[] | undefined;

function readTimezone(r: YamlReader, slot: Slot): string | undefined {
  const zone = r.text(slot, "timezone");
  if (zone === undefined) return undefined;
  try {
    return new Intl.DateTimeFormat("en-GB", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    zoneNames ??= Intl.supportedValuesOf("timeZone");
    const lower = zone.toLowerCase().replace(/\s+/g, "_");
    const near =
      zoneNames.find((z) => z.toLowerCase().endsWith(`/${lower}`)) ?? nearest(zone, zoneNames);
    r.error(
      r.slot(slot).at,
      "invalid_timezone",
      `timezone "${zone}" is not an IANA time zone`,
      near !== undefined ? `did you mean ${near}?` : "e.g. Europe/London or America/New_York",
    );
    return undefined;
  }
}

const CRON_FIELDS: Readonly<Record<string, [string, string]>> = {
  second: ["second", "0–59"],
  minute: ["minute", "0–59"],
  hour: ["hour", "0–23"],
  dayOfMonth: ["day-of-month", "1–31"],
  month: ["month", "1–12 or jan–dec"],
  dayOfWeek: ["day-of-week", "0–7 or sun–sat"],
};

function readSchedule(r: YamlReader, slot: Slot): string | undefined {
  return readCron(r, slot, "schedule", 'e.g. "0 7 * * 1-5" runs at 07:00 Monday to Friday');
}

/** `digest:` — the weekly digest's cron expression, or `off` (null). */
function readDigest(r: YamlReader, slot: Slot): string | null | undefined {
  const { node } = r.slot(slot);
  if (node !== null && isScalar(node) && isOff(node.value)) return null;
  return readCron(
    r,
    slot,
    "digest",
    'e.g. "0 8 * * 1" posts it at 08:00 on Mondays; digest: off for none',
  );
}

/** A cron expression node-cron accepts, read in the policy's time zone. */
function readCron(r: YamlReader, slot: Slot, key: string, example: string): string | undefined {
  const expression = r.text(slot, key);
  if (expression === undefined) return undefined;
  let reasons: string[];
  try {
    const result = validateDetailed(expression);
    if (result.valid) return expression;
    reasons = result.errors.map((e) => {
      const field = own(CRON_FIELDS, e.field);
      return field === undefined
        ? e.message
        : `the ${field[0]} field "${e.value ?? ""}" must be ${field[1]}`;
    });
  } catch (error) {
    reasons = [error instanceof Error ? error.message : String(error)];
  }
  r.error(
    r.slot(slot).at,
    "invalid_cron",
    `${key} "${expression}" is not a valid cron expression: ${reasons.join("; ") || "not understood"}`,
    example,
  );
  return undefined;
}

function readSuppressions(r: YamlReader, slot: Slot): Suppressions | undefined {
  const e = r.entries(slot, "suppress", "policy");
  if (e === undefined) return undefined;
  const before = r.errors.length;
  r.checkKeys(e, "suppress", SUPPRESS_KEYS);
  const out = defaultSuppressions();
  const circumstances = optional(e, "circumstances", (s) =>
    r.listOf(
      s,
      "circumstances",
      CIRCUMSTANCE_KINDS,
      "[extenuating_circumstances, leave, placement]",
    ),
  );
  const withdrawn = optional(e, "withdrawn", (s) => r.boolean(s, "withdrawn"));
  const onLeave = optional(e, "on_leave", (s) => r.boolean(s, "on_leave"));
  const firstDays = optional(e, "first_days_of_enrolment", (s) =>
    r.duration(s, "first_days_of_enrolment", "school days", 0, MAX_DAYS),
  );
  if (r.errors.length > before) return undefined;
  if (circumstances.value !== undefined) out.circumstances = circumstances.value;
  if (withdrawn.value !== undefined) out.withdrawn = withdrawn.value;
  if (onLeave.value !== undefined) out.onLeave = onLeave.value;
  if (firstDays.value !== undefined) out.firstDaysOfEnrolment = firstDays.value;
  return out;
}

const QUIET_HOURS_EXAMPLE = 'quiet_hours: { from: "18:00", to: "08:00", weekends: true }';

/** `quiet_hours:` — a mapping of from, to and weekends, or `off` (null). */
function readQuietHours(r: YamlReader, slot: Slot): QuietHours | null | undefined {
  const { node, at } = r.slot(slot);
  if (node !== null && isScalar(node) && isOff(node.value)) return null;
  if (node === null || !isMap(node)) {
    r.error(
      at,
      "wrong_type",
      `quiet_hours must be from, to and weekends, or off, got ${describe(node)}`,
      `write ${QUIET_HOURS_EXAMPLE}, or quiet_hours: off`,
    );
    return undefined;
  }
  const e = r.entries(slot, "quiet_hours", "policy");
  if (e === undefined) return undefined;
  const before = r.errors.length;
  r.checkKeys(e, "quiet_hours", QUIET_HOURS_KEYS);
  r.requireKeys(e, ["from", "to"], "quiet_hours", slot);
  const fromEntry = e.get("from");
  const toEntry = e.get("to");
  const fromMinute = fromEntry && readTimeOfDay(r, fromEntry, "quiet_hours from");
  const toMinute = toEntry && readTimeOfDay(r, toEntry, "quiet_hours to");
  const weekends = optional(e, "weekends", (s) => r.boolean(s, "quiet_hours weekends"));
  if (r.errors.length > before || fromMinute === undefined || toMinute === undefined) {
    return undefined;
  }
  if (fromMinute === toMinute && toEntry) {
    r.error(
      r.slot(toEntry).at,
      "invalid_value",
      `quiet_hours from and to are both ${clock(fromMinute)}: quiet hours need a start and a different end`,
      "to switch quiet hours off, write quiet_hours: off",
    );
    return undefined;
  }
  return { fromMinute, toMinute, weekends: weekends.value ?? true };
}

const isOff = (value: unknown): boolean =>
  value === false || (typeof value === "string" && value.trim().toLowerCase() === "off");

const TIME_OF_DAY = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** "18:00" → 1080 (minutes after midnight). */
function readTimeOfDay(r: YamlReader, slot: Slot, what: string): number | undefined {
  const written = r.text(slot, what);
  if (written === undefined) return undefined;
  const match = TIME_OF_DAY.exec(written);
  if (match !== null) return Number(match[1]) * 60 + Number(match[2]);
  r.error(
    r.slot(slot).at,
    "invalid_value",
    `${what} must be a time of day from 00:00 to 23:59, as HH:MM, got "${written}"`,
    'a 24-hour time in quotes, e.g. "18:00" for 6 pm',
  );
  return undefined;
}

/** 1080 → "18:00". */
function clock(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
}

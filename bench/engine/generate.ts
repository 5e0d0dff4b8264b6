/**
 * Writes a seeded, synthetic canonical CSV bundle (students, calendar, attendance,
 * activity) for the engine benchmark. Same seed and sizes → identical bytes.
 *
 *   node --import tsx bench/engine/generate.ts [--students 100000] [--days 90] [--seed 1] [--out DIR]
 *     [--staff FILE] [--student-accounts FILE] [--no-manifest] [--no-parquet]
 *
 * Without `--staff`, students' adviser ids are made up (`T0120`: no staff.csv lists them).
 * With `--staff FILE` (a staff.csv in Reach's canonical columns), each student's advisers
 * are one of the `adviser`s of their school in that file (two for about a fifth of the
 * students of a school that has two or more), and the file is copied into the bundle as
 * staff.csv; every school must have an adviser in it. The same random draws are made either
 * way, so the calendar, attendance and activity are byte-identical with or without it.
 * With `--student-accounts FILE` (a CSV `id,display_name,preferred_name,aad_object_id`),
 * students.csv gets two more columns, `preferred_name` and `aad_object_id`: filled for the
 * students the file lists (by id, and only if their generated name is the one it gives)
 * and empty for the others. It changes no random draw either.
 * `--no-manifest` writes no summary beside the folder (for a bundle kept in the repository).
 * The command also writes the same four tables as Parquet, beside the folder in
 * `<folder>-parquet/` (parquet.ts), for Reach's `parquet` source; `--no-parquet` leaves
 * them out. `generateBundle` itself writes CSV only.
 *
 * The data is shaped like a real nightly export: rows in date order, whole-day attendance
 * for every enrolled student on every school day, a one-week half-term holiday in the
 * calendar, per-student absence and activity propensities (so roughly a fifth of students
 * fall below 90% attendance), and a few students who stop logging in near the end.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { CsvParser, csvLine } from "../../src/data/csv.ts";
import { headerKey, rowObject } from "../../src/data/rows.ts";
import { StaffRow } from "../../src/data/schema.ts";
import { formatCount, formatMs, intOption, isMain } from "./cli.ts";
import { writeParquetCopy } from "./parquet.ts";
import { mulberry32 } from "./prng.ts";

export interface GenerateOptions {
  students: number;
  /** Instructional days per school. */
  days: number;
  seed: number;
  out: string;
  /**
   * A staff.csv whose advisers the students get (by school), copied into the bundle.
   * Without it, adviser ids are made up and the bundle has no staff.csv.
   */
  staff?: string;
  /**
   * A CSV `id,display_name,preferred_name,aad_object_id` of students who have a Teams
   * account: students.csv gets `preferred_name` and `aad_object_id` columns, filled for
   * them. Each listed student must be generated with that display name, and no object id
   * may be a staff member's of `staff`.
   */
  studentAccounts?: string;
  /** Write the summary beside the folder (default true): see {@link manifestPath}. */
  manifest?: boolean;
}

export interface BundleRows {
  students: number;
  calendar: number;
  attendance: number;
  activity: number;
}

export interface GenerateResult {
  out: string;
  rows: BundleRows;
  /** Rows of the staff.csv copied into the bundle (0 without `staff`). */
  staffRows: number;
  bytes: BundleRows;
  firstDay: string;
  /** The last school day: the evaluation date the benchmark uses. */
  asOf: string;
  ms: number;
}

export const SCHOOLS = ["sch1", "sch2", "sch3", "sch4", "sch5"] as const;
/** Monday of the first week of the autumn term. */
export const FIRST_DAY = "2026-09-07";
/** Week (0-based) of the half-term holiday in a full-size calendar: the last week of October. */
const HALF_TERM_WEEK = 7;
/**
 * The Christmas break (21 Dec – 1 Jan). With 90 school days it falls inside the 45-day
 * evaluation window, so "days since activity" must skip it as the product requires.
 */
const CHRISTMAS_WEEKS = [15, 16];
const FLUSH_AT = 1 << 20;
const MS_PER_DAY = 86_400_000;

// biome-ignore format: a table reads better than one name per line
const FIRST_NAMES = [
  "Amara", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hamza", "Isla", "Jack",
  "Kofi", "Leah", "Mason", "Nia", "Oscar", "Priya", "Quinn", "Ruby", "Sami", "Tara",
  "Umar", "Vera", "Will", "Xena", "Yusuf", "Zoe",
];
// biome-ignore format: a table reads better than one name per line
const LAST_NAMES = [
  "Adeyemi", "Brown", "Chen", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal",
  "Jones", "Khan", "Lewis", "Murphy", "Nowak", "Owen", "Patel", "Roberts", "Singh",
  "Taylor", "Walsh", "Young",
];

export function defaultOut(students: number, days: number, seed: number): string {
  return join("bench", "engine", ".data", `${students}x${days}-s${seed}`);
}

/** Where the summary of a generated bundle is kept: beside the folder, not inside it. */
export function manifestPath(out: string): string {
  return `${resolve(out)}.manifest.json`;
}

function dayOf(iso: string): number {
  return Math.floor(Date.parse(`${iso}T00:00:00Z`) / MS_PER_DAY);
}

function isoOf(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export interface CalendarEntry {
  date: string;
  instructional: boolean;
}

/**
 * Weekdays from {@link FIRST_DAY} until `days` instructional days. Holidays are listed as
 * non-instructional: one week of half-term (week 8, or mid-way through a short calendar)
 * and, when the calendar reaches it, two weeks at Christmas.
 */
export function buildCalendar(days: number): CalendarEntry[] {
  const weeks = Math.ceil(days / 5);
  const halfTerm = days > 5 ? Math.min(HALF_TERM_WEEK, Math.floor(weeks / 2)) : -1;
  const entries: CalendarEntry[] = [];
  let instructional = 0;
  for (let day = dayOf(FIRST_DAY); instructional < days; day++) {
    const dow = (day + 4) % 7; // 0 = Sunday
    if (dow === 0 || dow === 6) continue;
    const week = Math.floor((day - dayOf(FIRST_DAY)) / 7);
    const open = week !== halfTerm && !CHRISTMAS_WEEKS.includes(week);
    entries.push({ date: isoOf(day), instructional: open });
    if (open) instructional++;
  }
  return entries;
}

export interface StaffRoster {
  /** The file's text, copied into the bundle unchanged. */
  text: string;
  rows: number;
  /** Staff ids of each school's advisers, in file order. */
  advisers: Map<string, string[]>;
  /** The Entra object ids the roster gives its staff (lower case). */
  aadObjectIds: Set<string>;
}

/**
 * Reads a staff.csv (canonical columns, validated as an import would) for its advisers.
 * Throws when a row is invalid or a school of the bundle has no adviser in it, since
 * its students would get no adviser.
 */
export function readStaffRoster(path: string): StaffRoster {
  const text = readFileSync(path, "utf8");
  const advisers = new Map<string, string[]>();
  const aadObjectIds = new Set<string>();
  let header: string[] | undefined;
  let rows = 0;
  const parser = new CsvParser(
    (fields, line) => {
      if (header === undefined) {
        header = fields.map(headerKey);
        return;
      }
      const row = rowObject(header, fields);
      const parsed = typeof row === "string" ? undefined : StaffRow.safeParse(row);
      if (parsed === undefined || !parsed.success) {
        const why = typeof row === "string" ? row : parsed?.error.issues[0]?.message;
        throw new Error(`${path}:${line}: not a valid staff row (${why})`);
      }
      rows++;
      const staff = parsed.data;
      if (staff.aadObjectId) aadObjectIds.add(staff.aadObjectId.toLowerCase());
      if (!staff.roles.includes("adviser")) return;
      advisers.set(staff.school, [...(advisers.get(staff.school) ?? []), staff.id]);
    },
    (message, line) => {
      throw new Error(`${path}:${line}: ${message}`);
    },
  );
  parser.push(text);
  parser.end();
  const without = SCHOOLS.filter((school) => !advisers.has(school));
  if (without.length > 0) {
    throw new Error(`${path} lists no adviser for ${without.join(", ")}`);
  }
  return { text, rows, advisers, aadObjectIds };
}

export interface StudentAccount {
  displayName: string;
  preferredName: string;
  aadObjectId: string;
}

/**
 * Reads a CSV `id,display_name,preferred_name,aad_object_id` (see
 * {@link GenerateOptions.studentAccounts}): the accounts by student id. Throws on a
 * missing column, a repeated student or object id, an empty object id, or an object id
 * that `staffAad` (a roster's) already gives a member of staff.
 */
export function readStudentAccounts(
  path: string,
  staffAad: ReadonlySet<string> = new Set(),
): Map<string, StudentAccount> {
  const accounts = new Map<string, StudentAccount>();
  const seen = new Set<string>();
  const columns = ["id", "display_name", "preferred_name", "aad_object_id"];
  let header: string[] | undefined;
  const parser = new CsvParser(
    (fields, line) => {
      if (header === undefined) {
        header = fields.map(headerKey);
        const missing = columns.filter((c) => !header?.includes(c));
        if (missing.length > 0) throw new Error(`${path}: no column ${missing.join(", ")}`);
        return;
      }
      const row = rowObject(header, fields);
      if (typeof row === "string") throw new Error(`${path}:${line}: ${row}`);
      const value = (column: string) => (row[column] ?? "").trim();
      const id = value("id");
      const aad = value("aad_object_id");
      if (id === "" || aad === "") {
        throw new Error(`${path}:${line}: a student account needs an id and an aad_object_id`);
      }
      if (accounts.has(id)) throw new Error(`${path}:${line}: ${id} is listed twice`);
      if (seen.has(aad.toLowerCase())) {
        throw new Error(`${path}:${line}: object id ${aad} is listed twice`);
      }
      if (staffAad.has(aad.toLowerCase())) {
        throw new Error(`${path}:${line}: object id ${aad} is a member of staff's`);
      }
      seen.add(aad.toLowerCase());
      accounts.set(id, {
        displayName: value("display_name"),
        preferredName: value("preferred_name"),
        aadObjectId: aad,
      });
    },
    (message, line) => {
      throw new Error(`${path}:${line}: ${message}`);
    },
  );
  parser.push(readFileSync(path, "utf8"));
  parser.end();
  return accounts;
}

/** Buffers rows into large strings and writes them with one system call per megabyte. */
class ChunkWriter {
  private readonly fd: number;
  private buffer = "";
  bytes = 0;
  rows = 0;

  constructor(path: string, header: string) {
    this.fd = openSync(path, "w");
    this.buffer = `${header}\n`;
  }

  row(line: string): void {
    this.buffer += line;
    this.rows++;
    if (this.buffer.length >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    this.bytes += writeSync(this.fd, this.buffer);
    this.buffer = "";
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export function generateBundle(options: GenerateOptions): GenerateResult {
  const started = performance.now();
  const { students: n, days, seed } = options;
  const out = resolve(options.out);
  // Read first: the file may be the staff.csv of the bundle about to be replaced.
  const roster = options.staff === undefined ? undefined : readStaffRoster(options.staff);
  const accounts =
    options.studentAccounts === undefined
      ? undefined
      : readStudentAccounts(options.studentAccounts, roster?.aadObjectIds);
  const unmatched = new Set(accounts?.keys());
  const partial = `${out}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const rng = mulberry32(seed);

  const calendar = buildCalendar(days);
  const schoolDays = calendar.filter((c) => c.instructional).map((c) => c.date);
  const firstDay = schoolDays[0] ?? FIRST_DAY;
  const asOf = schoolDays[schoolDays.length - 1] ?? FIRST_DAY;

  // Per-student propensities, drawn once, in student order.
  const idWidth = Math.max(6, String(n).length);
  const ids: string[] = new Array(n);
  const absP = new Float64Array(n);
  const excusedShare = new Float64Array(n);
  const tardyP = new Float64Array(n);
  const activeP = new Float64Array(n);
  const bothP = new Float64Array(n);
  const vleShare = new Float64Array(n);
  const enrolIdx = new Int32Array(n);
  const silentFrom = new Int32Array(n);
  // Mid-term joiners start in the first half of the data, before a 45-day evaluation window.
  const enrolLo = Math.max(1, Math.floor(days * 0.1));
  const enrolHi = Math.max(enrolLo + 1, Math.floor(days * 0.45));

  const synthetic = SCHOOLS.map((_, s) => syntheticAdvisers(s));
  const students = new ChunkWriter(
    join(partial, "students.csv"),
    `id,display_name,school,year,adviser_ids,status,enrolled_from${accounts ? ",preferred_name,aad_object_id" : ""}`,
  );
  for (let i = 0; i < n; i++) {
    const id = `S${String(i + 1).padStart(idWidth, "0")}`;
    ids[i] = id;
    const s = Math.floor(rng() * SCHOOLS.length);
    const school = SCHOOLS[s] as string;
    const name = `${pick(FIRST_NAMES, rng)} ${pick(LAST_NAMES, rng)}`;
    const year = `Y${7 + Math.floor(rng() * 5)}`;
    // Two draws whether or not there is a roster, so that the later ones do not change.
    const first = rng();
    const two = rng() < 0.2;
    const list = roster?.advisers.get(school) ?? (synthetic[s] as string[]);
    const a1 = Math.floor(first * list.length);
    const advisers =
      two && list.length > 1 ? `${list[a1]};${list[(a1 + 1) % list.length]}` : list[a1];
    // Most students attend well; a minority carries most of the absence.
    absP[i] = rng() < 0.78 ? 0.005 + 0.06 * rng() : 0.06 + 0.3 * rng();
    excusedShare[i] = 0.2 + 0.5 * rng();
    tardyP[i] = 0.08 * rng();
    activeP[i] = 0.15 + 0.7 * rng();
    bothP[i] = 0.1 + 0.2 * rng();
    vleShare[i] = 0.4 + 0.5 * rng();
    enrolIdx[i] = rng() < 0.02 ? enrolLo + Math.floor(rng() * (enrolHi - enrolLo)) : 0;
    silentFrom[i] = rng() < 0.06 ? days - 1 - Math.floor(rng() * Math.min(40, days)) : days;
    const enrolled = schoolDays[enrolIdx[i] as number] ?? firstDay;
    const account = accounts?.get(id);
    if (account !== undefined && account.displayName !== name) {
      throw new Error(
        `${options.studentAccounts}: ${id} is ${name} in this bundle, not ${account.displayName}`,
      );
    }
    unmatched.delete(id);
    const extra =
      accounts === undefined
        ? ""
        : `,${csvLine([account?.preferredName ?? "", account?.aadObjectId ?? ""])}`;
    students.row(`${id},${name},${school},${year},${advisers},active,${enrolled}${extra}\n`);
  }
  students.close();
  if (unmatched.size > 0) {
    throw new Error(
      `${options.studentAccounts}: no student ${[...unmatched].join(", ")} in this bundle`,
    );
  }
  if (roster) writeFileSync(join(partial, "staff.csv"), roster.text);

  const cal = new ChunkWriter(join(partial, "calendar.csv"), "school,date,instructional");
  for (const school of SCHOOLS) {
    for (const c of calendar) cal.row(`${school},${c.date},${c.instructional}\n`);
  }
  cal.close();

  const attendance = new ChunkWriter(join(partial, "attendance.csv"), "student_id,date,status");
  const activity = new ChunkWriter(
    join(partial, "activity.csv"),
    "student_id,date,source,kind,count",
  );
  for (let d = 0; d < schoolDays.length; d++) {
    const date = schoolDays[d] as string;
    const present = `,${date},present\n`;
    const tardy = `,${date},tardy\n`;
    const excused = `,${date},excused_absence\n`;
    const unexcused = `,${date},unexcused_absence\n`;
    const vle = `,${date},vle,login,`;
    const teams = `,${date},teams,login,`;
    for (let i = 0; i < n; i++) {
      if (d < (enrolIdx[i] as number)) continue;
      const id = ids[i] as string;
      const a = absP[i] as number;
      const r = rng();
      const absent = r < a;
      if (absent) attendance.row(id + (r < a * (excusedShare[i] as number) ? excused : unexcused));
      else attendance.row(id + (r - a < (tardyP[i] as number) * (1 - a) ? tardy : present));
      if (d >= (silentFrom[i] as number)) continue;
      // Students are less often online on days they are absent.
      if (rng() >= (activeP[i] as number) * (absent ? 0.4 : 1)) continue;
      const which = rng();
      const both = which < (bothP[i] as number);
      if (
        both ||
        which < (bothP[i] as number) + (1 - (bothP[i] as number)) * (vleShare[i] as number)
      ) {
        activity.row(`${id}${vle}${count(rng)}\n`);
      }
      if (
        both ||
        which >= (bothP[i] as number) + (1 - (bothP[i] as number)) * (vleShare[i] as number)
      ) {
        activity.row(`${id}${teams}${count(rng)}\n`);
      }
    }
  }
  attendance.close();
  activity.close();

  rmSync(out, { recursive: true, force: true });
  mkdirSync(dirname(out), { recursive: true });
  renameSync(partial, out);
  const result: GenerateResult = {
    out,
    staffRows: roster?.rows ?? 0,
    rows: {
      students: students.rows,
      calendar: cal.rows,
      attendance: attendance.rows,
      activity: activity.rows,
    },
    bytes: {
      students: students.bytes,
      calendar: cal.bytes,
      attendance: attendance.bytes,
      activity: activity.bytes,
    },
    firstDay,
    asOf,
    ms: performance.now() - started,
  };
  if (options.manifest !== false) {
    const { ms: _ms, ...manifest } = result;
    writeFileSync(manifestPath(out), `${JSON.stringify({ ...options, ...manifest }, null, 2)}\n`);
  }
  return result;
}

/** Made-up adviser ids of school `s` (0-based): `T0100`…`T0139` for sch1. */
function syntheticAdvisers(s: number): string[] {
  return Array.from({ length: 40 }, (_, k) => `T${String((s + 1) * 100 + k).padStart(4, "0")}`);
}

/** 1..20 logins, most days only a few. */
function count(rng: () => number): number {
  const u = rng();
  return 1 + Math.floor(u * u * 20);
}

function pick(list: readonly string[], rng: () => number): string {
  return list[Math.floor(rng() * list.length)] as string;
}

export function bundleExists(out: string): boolean {
  return ["students.csv", "calendar.csv", "attendance.csv", "activity.csv"].every((f) =>
    existsSync(join(out, f)),
  );
}

export function printResult(result: GenerateResult): void {
  const files = ["students", "calendar", "attendance", "activity"] as const;
  console.log(`wrote ${result.out} (as of ${result.asOf}) in ${formatMs(result.ms)}`);
  for (const f of files) {
    const mb = (result.bytes[f] / 1024 / 1024).toFixed(1);
    console.log(
      `  ${`${f}.csv`.padEnd(15)} ${formatCount(result.rows[f]).padStart(11)} rows  ${mb.padStart(7)} MiB`,
    );
  }
  if (result.staffRows > 0) {
    console.log(
      `  ${"staff.csv".padEnd(15)} ${formatCount(result.staffRows).padStart(11)} rows  (copied)`,
    );
  }
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      students: { type: "string" },
      days: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      staff: { type: "string" },
      "student-accounts": { type: "string" },
      "no-manifest": { type: "boolean" },
      "no-parquet": { type: "boolean" },
    },
  });
  const students = intOption(values, "students", 100_000);
  const days = intOption(values, "days", 90);
  const seed = intOption(values, "seed", 1, 0);
  const out = values.out ?? defaultOut(students, days, seed);
  const result = generateBundle({
    students,
    days,
    seed,
    out,
    ...(values.staff !== undefined && { staff: values.staff }),
    ...(values["student-accounts"] !== undefined && {
      studentAccounts: values["student-accounts"],
    }),
    manifest: values["no-manifest"] !== true,
  });
  printResult(result);
  if (values["no-parquet"] !== true) printParquet(await writeParquetCopy(result.out));
}

/** Prints what writeParquetCopy wrote. */
export function printParquet(copy: Awaited<ReturnType<typeof writeParquetCopy>>): void {
  console.log(`wrote ${copy.out} (the same tables as Parquet) in ${formatMs(copy.ms)}`);
  for (const [table, bytes] of Object.entries(copy.bytes)) {
    const mb = (bytes / 1024 / 1024).toFixed(1);
    console.log(`  ${`${table}.parquet`.padEnd(19)} ${mb.padStart(7)} MiB`);
  }
}

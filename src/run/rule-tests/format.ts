/**
 * The rule test file format (rules/README.md, "Testing a policy"): which policy it tests,
 * and test cases, each a small series of canonical rows on a calendar of school days with
 * the outcomes expected on given dates. `readTestDocument` turns the parsed YAML into a
 * `RuleTestSpec`, reporting every problem at its line and column; nothing is evaluated here.
 */
import type { Node } from "yaml";
import { type DayNumber, formatDay, parseIsoDate, weekday } from "../../data/dates.ts";
import {
  type AttendanceStatus,
  type Circumstance,
  CircumstanceRow,
  type Student,
  StudentRow,
  type Submission,
  SubmissionRow,
} from "../../data/schema.ts";
import { nearest, type Policy } from "../../rules/index.ts";
import type { Entry, Place, TestReader } from "./reader.ts";

/** The school days of a test: Monday–Friday from `from` (less holidays), or listed. */
export type CalendarSpec =
  | { kind: "weekdays"; from: DayNumber; to?: DayNumber; holidays: Set<DayNumber>; at: Place }
  | { kind: "days"; days: DayNumber[]; at: Place };

/** One mark of a line of marks: the n-th school day, and where the mark is written. */
export interface Mark<T> {
  index: number;
  value: T;
  at: Place;
}

export interface AttendanceLine {
  student: string;
  marks: Mark<AttendanceStatus>[];
}

export interface ActivityLine {
  student: string;
  source: string;
  marks: Mark<number>[];
}

export type Outcome = "fires" | "pending" | "suppressed";

/** One outcome a test expects on a date. */
export interface ExpectedItem {
  student: string;
  outcome: Outcome;
  /** The rule (fires, pending, and a cool-down of one rule). */
  rule?: string;
  /** For pending: the runs the condition has held so far, when written (`rule 1/2`). */
  runs?: number;
  /** For suppressed: why (`new_enrolment`, `leave`, `snoozed`, `cooldown`…). */
  reason?: string;
  at: Place;
}

export interface ExpectSpec {
  date: DayNumber;
  at: Place;
  items: ExpectedItem[];
}

export interface CaseSpec {
  name: string;
  at: Place;
  calendar?: CalendarSpec;
  students: Student[];
  attendance: AttendanceLine[];
  activity: ActivityLine[];
  submissions: Submission[];
  circumstances: Circumstance[];
  snoozes: { studentId: string; until: DayNumber }[];
  cooldowns: { studentId: string; ruleId?: string; until: DayNumber }[];
  expect: ExpectSpec[];
}

export interface RuleTestSpec {
  /** The policy file, as written (relative to the test file's folder). */
  policy: string;
  policyAt: Place;
  calendar?: CalendarSpec;
  cases: CaseSpec[];
}

/** Why a student gets no finding, as the evaluator says it; `cooldown` is a rule's cool-down. */
export const SUPPRESSION_REASONS = [
  "withdrawn",
  "on_leave",
  "extenuating_circumstances",
  "leave",
  "placement",
  "new_enrolment",
  "enrolment_ended",
  "snoozed",
  "cooldown",
] as const;

/** Attendance marks: one character per school day. */
export const ATTENDANCE_MARKS: Readonly<Record<string, AttendanceStatus>> = {
  P: "present",
  T: "tardy",
  D: "early_departure",
  H: "partial",
  E: "excused_absence",
  A: "unexcused_absence",
};
/** Characters that only space the marks out (weeks), and the mark for "nothing recorded". */
const SPACERS = new Set([" ", "|"]);
const NOTHING = ".";

const TOP_KEYS = ["policy", "calendar", "tests"] as const;
const CASE_KEYS = [
  "name",
  "calendar",
  "students",
  "attendance",
  "activity",
  "submissions",
  "circumstances",
  "snoozed",
  "cooldowns",
  "expect",
] as const;
const CALENDAR_KEYS = ["from", "to", "holidays", "days"] as const;
const STUDENT_KEYS = [
  "display_name",
  "preferred_name",
  "email",
  "aad_object_id",
  "school",
  "year",
  "programme",
  "cohort",
  "adviser_ids",
  "status",
  "status_from",
  "enrolled_from",
  "enrolled_until",
] as const;
const SUBMISSION_KEYS = ["assessment_id", "due_date", "submitted_date", "late", "score"] as const;
const CIRCUMSTANCE_KEYS = ["from", "to", "kind", "approved_by"] as const;
const COOLDOWN_KEYS = ["rule", "until"] as const;
const EXPECT_KEYS = ["date", "fires", "pending", "suppressed"] as const;

/** Reads the whole document; `policy` (when it loaded) lets rule ids and schools be checked. */
export function readTestDocument(
  r: TestReader,
  root: Node,
  policy: Policy | undefined,
): RuleTestSpec | undefined {
  const top = r.entries(root, "a rule test file", root);
  if (!top) return undefined;
  r.checkKeys(top, "a rule test file", TOP_KEYS);
  r.checkRequired(top, "a rule test file", ["policy", "tests"], root);
  const get = (key: string) => top.find((e) => e.key === key);
  const policyEntry = get("policy");
  const policyPath = policyEntry
    ? r.string(policyEntry.value, "policy", policyEntry.keyNode)
    : undefined;
  const calendarEntry = get("calendar");
  const calendar = calendarEntry ? readCalendar(r, calendarEntry) : undefined;
  const testsEntry = get("tests");
  const cases: CaseSpec[] = [];
  if (testsEntry) {
    const items = r.list(testsEntry.value, "tests", testsEntry.keyNode) ?? [];
    const names = new Map<string, Place>();
    for (const item of items) {
      const c = readCase(r, item, policy, calendar !== undefined);
      if (!c) continue;
      const earlier = names.get(c.name);
      if (earlier) r.error(c.at, `a test named "${c.name}" is already at line ${earlier.line}`);
      else names.set(c.name, c.at);
      cases.push(c);
    }
    if (items.length === 0) r.error(testsEntry.keyNode, "tests lists no test");
  }
  if (policyPath === undefined || policyEntry === undefined) return undefined;
  const spec: RuleTestSpec = {
    policy: policyPath,
    policyAt: r.placeOf(policyEntry.value),
    cases,
  };
  if (calendar) spec.calendar = calendar;
  return spec;
}

function readDate(r: TestReader, node: Node | null, what: string, at: Node | null) {
  const text = r.string(node, what, at);
  if (text === undefined) return undefined;
  const day = parseIsoDate(text);
  if (day === undefined) {
    r.error(node ?? at, `${what}: expected a date as YYYY-MM-DD, got "${text}"`);
  }
  return day;
}

function readCalendar(r: TestReader, entry: Entry): CalendarSpec | undefined {
  const entries = r.entries(entry.value, "calendar", entry.keyNode);
  if (!entries) return undefined;
  r.checkKeys(entries, "calendar", CALENDAR_KEYS);
  const get = (key: string) => entries.find((e) => e.key === key);
  const at = r.placeOf(entry.keyNode);
  const days = get("days");
  if (days) {
    for (const other of ["from", "to", "holidays"]) {
      const e = get(other);
      if (e) r.error(e.keyNode, `calendar takes days: or from: (with to: and holidays:), not both`);
    }
    const list: DayNumber[] = [];
    for (const node of r.list(days.value, "calendar days", days.keyNode) ?? []) {
      const d = readDate(r, node, "calendar days", days.keyNode);
      if (d === undefined) continue;
      if (list.length > 0 && d <= list[list.length - 1]) {
        r.error(node, `calendar days must be in order, each once: ${formatDay(d)} comes too late`);
        continue;
      }
      list.push(d);
    }
    if (list.length === 0) return undefined;
    return { kind: "days", days: list, at };
  }
  const fromEntry = get("from");
  if (!fromEntry) {
    r.error(entry.keyNode, "calendar needs from: (the first school day) or days: (a list)");
    return undefined;
  }
  const from = readDate(r, fromEntry.value, "calendar from", fromEntry.keyNode);
  const toEntry = get("to");
  const to = toEntry ? readDate(r, toEntry.value, "calendar to", toEntry.keyNode) : undefined;
  if (from !== undefined && to !== undefined && to < from) {
    r.error(toEntry?.value ?? null, "calendar to is before from");
  }
  const holidays = new Set<DayNumber>();
  const holidayEntry = get("holidays");
  if (holidayEntry) {
    for (const node of r.list(holidayEntry.value, "holidays", holidayEntry.keyNode) ?? []) {
      const d = readDate(r, node, "holidays", holidayEntry.keyNode);
      if (d !== undefined) holidays.add(d);
    }
  }
  if (from === undefined) return undefined;
  const spec: CalendarSpec = { kind: "weekdays", from, holidays, at };
  if (to !== undefined) spec.to = to;
  return spec;
}

/** The school days of a calendar: listed, or Monday–Friday less holidays up to `until`. */
export function schoolDays(calendar: CalendarSpec, until: DayNumber, limit: number): DayNumber[] {
  if (calendar.kind === "days") return calendar.days;
  const days: DayNumber[] = [];
  const last = calendar.to ?? until;
  for (let d = calendar.from; d <= last && days.length < limit; d++) {
    const w = weekday(d);
    if (w >= 1 && w <= 5 && !calendar.holidays.has(d)) days.push(d);
  }
  return days;
}

/** Every student named in a test, with where: checked against its students at the end. */
type Mentions = { id: string; node: Node }[];

function readCase(
  r: TestReader,
  node: Node,
  policy: Policy | undefined,
  hasDefaultCalendar: boolean,
): CaseSpec | undefined {
  const entries = r.entries(node, "a test", node);
  if (!entries) return undefined;
  r.checkKeys(entries, "a test", CASE_KEYS);
  r.checkRequired(entries, "a test", ["name", "students", "expect"], node);
  const get = (key: string) => entries.find((e) => e.key === key);
  const nameEntry = get("name");
  const name = nameEntry ? r.string(nameEntry.value, "name", nameEntry.keyNode) : undefined;
  const at = r.placeOf(node);
  const calendarEntry = get("calendar");
  const calendar = calendarEntry ? readCalendar(r, calendarEntry) : undefined;
  if (!calendarEntry && !hasDefaultCalendar) {
    r.error(
      node,
      "this test has no calendar",
      "give calendar: { from: YYYY-MM-DD } in the test, or once at the top of the file",
    );
  }
  const mentions: Mentions = [];
  const mention = (id: string, n: Node) => mentions.push({ id, node: n });

  const students: Student[] = [];
  /** Every student written under students:, even one whose row has a problem. */
  const declared: string[] = [];
  const studentsEntry = get("students");
  if (studentsEntry) {
    for (const e of r.entries(studentsEntry.value, "students", studentsEntry.keyNode) ?? []) {
      declared.push(e.key);
      const s = readStudent(r, e, policy);
      if (s) students.push(s);
    }
  }

  const c: CaseSpec = {
    name: name ?? "",
    at,
    students,
    attendance: [],
    activity: [],
    submissions: [],
    circumstances: [],
    snoozes: [],
    cooldowns: [],
    expect: [],
  };
  if (calendar) c.calendar = calendar;

  const attendance = get("attendance");
  if (attendance) {
    for (const e of r.entries(attendance.value, "attendance", attendance.keyNode) ?? []) {
      mention(e.key, e.keyNode);
      const marks = readMarks(r, e, "attendance", (ch) => ATTENDANCE_MARKS[ch.toUpperCase()]);
      if (marks) c.attendance.push({ student: e.key, marks });
    }
  }
  const activity = get("activity");
  if (activity) {
    for (const e of r.entries(activity.value, "activity", activity.keyNode) ?? []) {
      mention(e.key, e.keyNode);
      for (const s of r.entries(e.value, `activity of ${e.key}`, e.keyNode) ?? []) {
        const marks = readMarks(r, s, `${s.key} activity`, (ch) =>
          ch >= "0" && ch <= "9" ? Number(ch) : undefined,
        );
        if (marks) c.activity.push({ student: e.key, source: s.key.toLowerCase(), marks });
      }
    }
  }
  const submissions = get("submissions");
  if (submissions) {
    for (const e of r.entries(submissions.value, "submissions", submissions.keyNode) ?? []) {
      mention(e.key, e.keyNode);
      for (const item of r.list(e.value, `submissions of ${e.key}`, e.keyNode) ?? []) {
        const row = readRow(r, item, `a submission of ${e.key}`, SUBMISSION_KEYS, ["due_date"]);
        if (!row) continue;
        const parsed = SubmissionRow.safeParse({
          student_id: e.key,
          assessment_id: row.values.assessment_id ?? "assessment",
          ...row.values,
        });
        if (parsed.success) c.submissions.push(parsed.data);
        else reportIssues(r, parsed.error.issues, row.places, item);
      }
    }
  }
  const circumstances = get("circumstances");
  if (circumstances) {
    for (const e of r.entries(circumstances.value, "circumstances", circumstances.keyNode) ?? []) {
      mention(e.key, e.keyNode);
      for (const item of r.list(e.value, `circumstances of ${e.key}`, e.keyNode) ?? []) {
        const row = readRow(r, item, `a circumstance of ${e.key}`, CIRCUMSTANCE_KEYS, [
          "from",
          "to",
          "kind",
        ]);
        if (!row) continue;
        const parsed = CircumstanceRow.safeParse({ student_id: e.key, ...row.values });
        if (parsed.success) c.circumstances.push(parsed.data);
        else reportIssues(r, parsed.error.issues, row.places, item);
      }
    }
  }
  const snoozed = get("snoozed");
  if (snoozed) {
    for (const e of r.entries(snoozed.value, "snoozed", snoozed.keyNode) ?? []) {
      mention(e.key, e.keyNode);
      const until = readDate(r, e.value, `snoozed ${e.key} (until)`, e.keyNode);
      if (until !== undefined) c.snoozes.push({ studentId: e.key, until });
    }
  }
  const cooldowns = get("cooldowns");
  if (cooldowns) {
    for (const e of r.entries(cooldowns.value, "cooldowns", cooldowns.keyNode) ?? []) {
      mention(e.key, e.keyNode);
      for (const item of r.list(e.value, `cooldowns of ${e.key}`, e.keyNode) ?? []) {
        const fields = r.entries(item, `a cool-down of ${e.key}`, e.keyNode);
        if (!fields) continue;
        r.checkKeys(fields, `a cool-down of ${e.key}`, COOLDOWN_KEYS);
        r.checkRequired(fields, `a cool-down of ${e.key}`, ["until"], item);
        const untilEntry = fields.find((f) => f.key === "until");
        const until = untilEntry
          ? readDate(r, untilEntry.value, "until", untilEntry.keyNode)
          : undefined;
        const ruleEntry = fields.find((f) => f.key === "rule");
        const ruleId = ruleEntry ? readRuleId(r, ruleEntry.value, ruleEntry.keyNode, policy) : "";
        if (until === undefined || ruleId === undefined) continue;
        c.cooldowns.push(
          ruleId === "" ? { studentId: e.key, until } : { studentId: e.key, ruleId, until },
        );
      }
    }
  }
  const expect = get("expect");
  if (expect) {
    const seen = new Map<DayNumber, Place>();
    for (const item of r.list(expect.value, "expect", expect.keyNode) ?? []) {
      const spec = readExpect(r, item, policy, mention);
      if (!spec) continue;
      const earlier = seen.get(spec.date);
      if (earlier) {
        r.error(spec.at, `${formatDay(spec.date)} is already expected at line ${earlier.line}`);
        continue;
      }
      seen.set(spec.date, spec.at);
      c.expect.push(spec);
    }
  }

  const known = declared;
  for (const m of mentions) {
    if (known.includes(m.id)) continue;
    const near = nearest(m.id, known);
    r.error(
      m.node,
      `student "${m.id}" is not in this test's students`,
      near !== undefined ? `did you mean ${near}?` : "add them under students:",
    );
  }
  return name === undefined ? undefined : c;
}

function readStudent(r: TestReader, e: Entry, policy: Policy | undefined): Student | undefined {
  const value = r.value(e.value);
  const values: Record<string, string> = {};
  const places = new Map<string, Node>();
  if (value !== null) {
    const row = readRow(r, value, `student ${e.key}`, STUDENT_KEYS, []);
    if (!row) return undefined;
    Object.assign(values, row.values);
    for (const [k, v] of row.places) places.set(k, v);
  }
  const school = policy?.schools.find((s) => s !== "*") ?? "school";
  const parsed = StudentRow.safeParse({
    id: e.key,
    display_name: e.key,
    school,
    ...values,
  });
  if (!parsed.success) {
    places.set("id", e.keyNode);
    reportIssues(r, parsed.error.issues, places, e.keyNode);
    return undefined;
  }
  return parsed.data;
}

/** A mapping of canonical columns to values, as text (a list is joined with `;`). */
function readRow(
  r: TestReader,
  node: Node,
  what: string,
  known: readonly string[],
  required: readonly string[],
): { values: Record<string, string>; places: Map<string, Node> } | undefined {
  const entries = r.entries(node, what, node);
  if (!entries) return undefined;
  r.checkKeys(entries, what, known);
  r.checkRequired(entries, what, required, node);
  const values: Record<string, string> = {};
  const places = new Map<string, Node>();
  for (const e of entries) {
    if (!known.includes(e.key)) continue;
    places.set(e.key, e.value ?? e.keyNode);
    const v = r.value(e.value);
    if (v !== null && "items" in v && Array.isArray(v.items) && e.key === "adviser_ids") {
      const ids = (v.items as Node[]).map((i) => r.string(i, e.key, e.keyNode) ?? "");
      values[e.key] = ids.join(";");
      continue;
    }
    const text = r.string(e.value, e.key, e.keyNode);
    if (text !== undefined) values[e.key] = text;
  }
  return { values, places };
}

/** Each schema issue at the value it is about (or at `fallback`). */
function reportIssues(
  r: TestReader,
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  places: Map<string, Node>,
  fallback: Node,
): void {
  for (const issue of issues) {
    const key = String(issue.path[0] ?? "");
    const message = issue.message.startsWith("Invalid option")
      ? `${key}: ${issue.message.replace(/^Invalid option: expected one of /, "expected one of ")}`
      : `${key}: ${issue.message}`;
    r.error(places.get(key) ?? fallback, key === "" ? issue.message : message);
  }
}

function readMarks<T>(
  r: TestReader,
  e: Entry,
  what: string,
  read: (ch: string) => T | undefined,
): Mark<T>[] | undefined {
  const text = r.string(e.value, what, e.keyNode);
  const node = r.value(e.value);
  if (text === undefined || node === null) return undefined;
  const raw = String((node as { value: unknown }).value);
  const placeOf = r.charPlaces(node);
  const marks: Mark<T>[] = [];
  let index = 0;
  let bad = 0;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (SPACERS.has(ch)) continue;
    if (ch !== NOTHING) {
      const value = read(ch);
      if (value === undefined) {
        if (bad++ < 3) {
          r.error(
            placeOf(i),
            `"${ch}" is not a mark of ${what}`,
            what === "attendance"
              ? "P present, A unexcused absence, E excused absence, T tardy, D early departure, H partial, . nothing recorded"
              : "a digit 0–9 (how many events that day) or . for none",
          );
        }
      } else marks.push({ index, value, at: placeOf(i) });
    }
    index++;
  }
  return marks;
}

function readRuleId(
  r: TestReader,
  node: Node | null,
  at: Node | null,
  policy: Policy | undefined,
): string | undefined {
  const id = r.string(node, "rule", at);
  if (id === undefined) return undefined;
  return checkRule(r, id, node ?? at, policy) ? id : undefined;
}

/** Whether the policy has the rule; reported at `at` when it has not. */
function checkRule(
  r: TestReader,
  id: string,
  at: Node | Place | null,
  policy: Policy | undefined,
): boolean {
  if (!policy) return true;
  const ids = policy.rules.map((rule) => rule.id);
  if (ids.includes(id)) return true;
  const near = nearest(id, ids);
  r.error(
    at,
    `rule "${id}" is not in policy ${policy.id}`,
    near !== undefined ? `did you mean ${near}?` : `its rules: ${ids.join(", ")}`,
  );
  return false;
}

function readExpect(
  r: TestReader,
  node: Node,
  policy: Policy | undefined,
  mention: (id: string, n: Node) => void,
): ExpectSpec | undefined {
  const entries = r.entries(node, "an expectation", node);
  if (!entries) return undefined;
  r.checkKeys(entries, "an expectation", EXPECT_KEYS);
  r.checkRequired(entries, "an expectation", ["date"], node);
  const dateEntry = entries.find((e) => e.key === "date");
  const date = dateEntry ? readDate(r, dateEntry.value, "date", dateEntry.keyNode) : undefined;
  const items: ExpectedItem[] = [];
  for (const outcome of ["fires", "pending", "suppressed"] as const) {
    const entry = entries.find((e) => e.key === outcome);
    if (!entry || r.value(entry.value) === null) continue;
    for (const s of r.entries(entry.value, outcome, entry.keyNode) ?? []) {
      mention(s.key, s.keyNode);
      for (const item of r.list(s.value, `${outcome} of ${s.key}`, s.keyNode) ?? []) {
        const text = r.string(item, `${outcome} of ${s.key}`, s.keyNode);
        if (text === undefined) continue;
        const read = readItem(r, outcome, s.key, text, item, policy);
        if (read) items.push(read);
      }
    }
  }
  if (date === undefined || dateEntry === undefined) return undefined;
  return { date, at: r.placeOf(dateEntry.value), items };
}

function readItem(
  r: TestReader,
  outcome: Outcome,
  student: string,
  text: string,
  node: Node,
  policy: Policy | undefined,
): ExpectedItem | undefined {
  const at = r.placeOf(node);
  const words = text.split(/\s+/);
  if (outcome === "fires") {
    if (words.length > 1) {
      r.error(node, `fires takes rule ids, one per item: "${text}"`, "write a list: [a, b]");
      return undefined;
    }
    return checkRule(r, text, node, policy) ? { student, outcome, rule: text, at } : undefined;
  }
  if (outcome === "pending") {
    const [rule, runs, ...rest] = words;
    const count = runs === undefined ? undefined : /^(\d+)\/(\d+)$/.exec(runs);
    if (rest.length > 0 || (runs !== undefined && !count)) {
      r.error(
        node,
        `pending takes a rule id, with the runs held so far if you like: "${text}"`,
        "e.g. at-risk-attendance, or at-risk-attendance 1/2",
      );
      return undefined;
    }
    if (!checkRule(r, rule, node, policy)) return undefined;
    const item: ExpectedItem = { student, outcome, rule, at };
    if (count) {
      item.runs = Number(count[1]);
      const needed = policy?.rules.find((x) => x.id === rule)?.forRuns;
      if (needed !== undefined && Number(count[2]) !== needed) {
        r.error(node, `rule ${rule} needs ${needed} runs (for: ${needed} runs), not ${count[2]}`);
        return undefined;
      }
      if (needed !== undefined && (item.runs < 1 || item.runs >= needed)) {
        r.error(
          node,
          `pending means held on fewer runs than the rule's for: ${needed} runs, got ${count[1]}/${needed}`,
          needed === 2 ? "write 1/2" : `write 1/${needed} to ${needed - 1}/${needed}`,
        );
        return undefined;
      }
    }
    return item;
  }
  const [reason, rule, ...rest] = words;
  if (!(SUPPRESSION_REASONS as readonly string[]).includes(reason)) {
    const near = nearest(reason, SUPPRESSION_REASONS);
    r.error(
      node,
      `"${reason}" is not a reason a student is suppressed`,
      near !== undefined ? `did you mean ${near}?` : `one of ${SUPPRESSION_REASONS.join(", ")}`,
    );
    return undefined;
  }
  if (rest.length > 0 || (rule !== undefined && reason !== "cooldown")) {
    r.error(
      node,
      `suppressed takes a reason (and for cooldown, a rule id if one rule): "${text}"`,
      "e.g. new_enrolment, or cooldown at-risk-attendance",
    );
    return undefined;
  }
  if (rule !== undefined && !checkRule(r, rule, node, policy)) return undefined;
  const item: ExpectedItem = { student, outcome, reason, at };
  if (rule !== undefined) item.rule = rule;
  return item;
}

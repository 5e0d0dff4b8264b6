/**
 * Fairness in aggregate: how often a policy flags students, group by group of each
 * monitoring field (OULAD's gender, age band, IMD band and disability; a canonical
 * bundle's demographics.csv), compared with how often it flags everyone. Pure: the
 * students, who was flagged and who has a case come in as plain sets, and the report
 * that comes out holds counts, rates and ratios only — never a student id, and never the
 * value of a cell it hides.
 *
 * Small cells are hidden (the rule is in docs/fairness.md):
 * - primary: a group with fewer than 10 students in scope has every figure hidden; a
 *   group whose count of flagged students (or of students with a case) is 1–9 has that
 *   count hidden, with its rate and ratio. Both show as "<10".
 * - complementary: a hidden count must not be recoverable from the total and the counts
 *   shown. For each column of a field (in scope, flagged, with a case) every hidden
 *   count's possible values are worked out from the total, the counts shown and what the
 *   suppression itself tells a reader; while any hidden count has exactly one possible
 *   value, the smallest count still shown (a non-zero one first) is hidden too, shown as
 *   "suppressed". If no count is left to hide, the whole column of that field is
 *   withheld.
 */
import type { DayNumber } from "../data/dates.ts";
import type { Demographic } from "../data/schema.ts";

/** Fewer students than this in a group, or a count of 1 to this minus one, is a small cell. */
export const SMALL_CELL = 10;
/** A group's rate over the overall rate outside these bounds is flagged. */
export const RATIO_LOW = 0.8;
export const RATIO_HIGH = 1.25;
/** The group of students in scope with no value recorded for a field. */
export const NOT_RECORDED = "(not recorded)";
/** The group of students in scope with two or more different values for a field. */
export const MORE_THAN_ONE = "(more than one value)";

/** A count as shown: the number, "<10" (a small cell) or "suppressed" (hidden to protect one). */
export type ShownCount = number | "<10" | "suppressed";

export interface FairnessGroup {
  group: string;
  inScope: ShownCount;
  flagged: ShownCount;
  /** flagged / inScope, or null when either is hidden. */
  rate: number | null;
  /** The group's rate over the overall rate, or null when hidden or the overall rate is 0. */
  ratio: number | null;
  /** The ratio is below 0.8 or above 1.25. */
  outside: boolean;
  /** With case figures only: students of the group with a case of the policy. */
  withCase?: ShownCount;
  caseRate?: number | null;
  caseRatio?: number | null;
  caseOutside?: boolean;
}

export interface FairnessField {
  field: string;
  groups: FairnessGroup[];
  /** Columns withheld whole for this field because no other cell could protect a small one. */
  withheld: ("inScope" | "flagged" | "withCase")[];
}

export interface FairnessOverall {
  inScope: ShownCount;
  flagged: ShownCount;
  rate: number | null;
  withCase?: ShownCount;
  caseRate?: number | null;
}

export interface FairnessReport {
  overall: FairnessOverall;
  /** One table per monitoring field that any student in scope has a value for. */
  fields: FairnessField[];
  /** Whether the report has case columns (a set of students with a case was given). */
  cases: boolean;
}

export interface FairnessInput {
  /** The students in scope (ids; repeats are counted once). */
  students: Iterable<string>;
  /** Students with a finding; ids not in scope are ignored. */
  flagged: ReadonlySet<string>;
  /** Students with a case; absent for a report of findings only. */
  withCase?: ReadonlySet<string>;
  /** The monitoring data (`Monitoring.demographics`): one row per student, field and value. */
  demographics: readonly Demographic[];
}

type Column = "inScope" | "flagged" | "withCase";

/** A cell's state in one column: shown, hidden as small, hidden to protect another. */
type State = "shown" | "small" | "complement";

interface Cell {
  value: number;
  state: State;
}

interface RawGroup {
  group: string;
  inScope: Cell;
  flagged: Cell;
  withCase: Cell;
}

/** Finding rates (and case rates) by group of each monitoring field, small cells hidden. */
export function fairnessReport(input: FairnessInput): FairnessReport {
  const students = new Set(input.students);
  const cases = input.withCase !== undefined;
  const withCase = input.withCase ?? new Set<string>();
  const count = (set: ReadonlySet<string>) => {
    let n = 0;
    for (const s of students) if (set.has(s)) n++;
    return n;
  };
  const total = {
    inScope: students.size,
    flagged: count(input.flagged),
    withCase: count(withCase),
  };
  const totalHidden = {
    inScope: total.inScope < SMALL_CELL,
    flagged: total.inScope < SMALL_CELL || isSmall(total.flagged),
    withCase: total.inScope < SMALL_CELL || isSmall(total.withCase),
  };

  const overall: FairnessOverall = {
    inScope: totalHidden.inScope ? "<10" : total.inScope,
    flagged: totalHidden.flagged ? "<10" : total.flagged,
    rate: totalHidden.flagged ? null : rateOf(total.flagged, total.inScope),
  };
  if (cases) {
    overall.withCase = totalHidden.withCase ? "<10" : total.withCase;
    overall.caseRate = totalHidden.withCase ? null : rateOf(total.withCase, total.inScope);
  }
  if (totalHidden.inScope) return { overall, fields: [], cases };

  const fields: FairnessField[] = [];
  for (const [field, valuesOf] of valuesByField(input.demographics, students)) {
    const groups = new Map<string, string[]>();
    for (const s of students) {
      const values = valuesOf.get(s);
      const group =
        values === undefined ? NOT_RECORDED : values.size > 1 ? MORE_THAN_ONE : [...values][0];
      const members = groups.get(group);
      if (members) members.push(s);
      else groups.set(group, [s]);
    }
    const raw: RawGroup[] = [...groups.keys()].sort(groupOrder).map((group) => {
      const members = groups.get(group) as string[];
      const n = members.length;
      const f = members.filter((s) => input.flagged.has(s)).length;
      const c = members.filter((s) => withCase.has(s)).length;
      const small = n < SMALL_CELL;
      return {
        group,
        inScope: { value: n, state: small ? "small" : "shown" },
        flagged: { value: f, state: small || isSmall(f) ? "small" : "shown" },
        withCase: { value: c, state: small || isSmall(c) ? "small" : "shown" },
      };
    });
    const withheld: Column[] = [];
    const columns: Column[] = cases ? ["inScope", "flagged", "withCase"] : ["inScope", "flagged"];
    for (const column of columns) {
      if (column !== "inScope") {
        // A group whose size is hidden has every count hidden.
        for (const g of raw) {
          if (g.inScope.state !== "shown" && g[column].state === "shown") {
            g[column].state = g.inScope.state;
          }
        }
      }
      if (totalHidden[column]) continue;
      // Nobody or everybody counted: the overall figures say so already; nothing to protect.
      if (column !== "inScope" && (total[column] === 0 || total[column] === total.inScope)) {
        continue;
      }
      if (!protect(raw, column, total[column])) withheld.push(column);
    }
    fields.push({
      field,
      groups: raw.map((g) => shownGroup(g, total, totalHidden, cases, withheld)),
      withheld,
    });
  }
  return { overall, fields, cases };
}

const isSmall = (n: number) => n >= 1 && n < SMALL_CELL;

function rateOf(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/** Each field's values per student in scope, fields in order of first appearance. */
function valuesByField(
  demographics: readonly Demographic[],
  students: ReadonlySet<string>,
): Map<string, Map<string, Set<string>>> {
  const fields = new Map<string, Map<string, Set<string>>>();
  for (const d of demographics) {
    if (!students.has(d.studentId)) continue;
    const value = d.value.trim();
    if (value === "") continue;
    let byStudent = fields.get(d.field);
    if (!byStudent) {
      byStudent = new Map();
      fields.set(d.field, byStudent);
    }
    const values = byStudent.get(d.studentId);
    if (values) values.add(value);
    else byStudent.set(d.studentId, new Set([value]));
  }
  return fields;
}

const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

/** Values in natural order ("0-10%" before "10-20%" before "90-100%"); the two catch-alls last. */
function groupOrder(a: string, b: string): number {
  const rank = (g: string) => (g === NOT_RECORDED ? 2 : g === MORE_THAN_ONE ? 1 : 0);
  return rank(a) - rank(b) || collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Complementary suppression in one column of one field: hides further cells until no
 * hidden cell can be worked out. Returns false when it could not, and then every cell of
 * the column is withheld.
 */
function protect(groups: RawGroup[], column: Column, total: number): boolean {
  for (;;) {
    if (!anyPinned(groups, column, total)) return true;
    const candidate = groups
      .filter((g) => g[column].state === "shown")
      .sort(
        (a, b) =>
          Number(a[column].value === 0) - Number(b[column].value === 0) ||
          a[column].value - b[column].value,
      )[0];
    if (candidate === undefined) break;
    candidate[column].state = "complement";
    if (column === "inScope") {
      // A group whose size is hidden cannot show any count.
      candidate.flagged.state = "complement";
      candidate.withCase.state = "complement";
    }
  }
  for (const g of groups) {
    if (g[column].state === "shown") g[column].state = "complement";
    if (column === "inScope") {
      if (g.flagged.state === "shown") g.flagged.state = "complement";
      if (g.withCase.state === "shown") g.withCase.state = "complement";
    }
  }
  return false;
}

/** Integer ranges, inclusive. */
type Domain = readonly (readonly [number, number])[];

/**
 * What a reader of the report knows of a hidden cell's value, before using the total:
 * a small group's size is 1–9; a small count is 1–9 (and at most the group's size); a
 * count hidden to protect another is 0 or at least 10 (or it would be small), and at most
 * the group's size when that is shown; a count in a group whose size is hidden is 0–9 for
 * a small group, else anything.
 */
function domainOf(g: RawGroup, column: Column, hiddenSum: number): Domain {
  const cell = g[column];
  if (column === "inScope") {
    return cell.state === "small" ? [[1, SMALL_CELL - 1]] : [[SMALL_CELL, hiddenSum]];
  }
  if (g.inScope.state === "small") return [[0, SMALL_CELL - 1]];
  if (g.inScope.state === "complement") return [[0, hiddenSum]];
  const n = g.inScope.value;
  if (cell.state === "small") return [[1, Math.min(SMALL_CELL - 1, n)]];
  return [
    [0, 0],
    [SMALL_CELL, n],
  ];
}

/** Whether some hidden cell of the column has exactly one value consistent with the total. */
function anyPinned(groups: RawGroup[], column: Column, total: number): boolean {
  const hidden = groups.filter((g) => g[column].state !== "shown");
  if (hidden.length === 0) return false;
  const shownSum = groups
    .filter((g) => g[column].state === "shown")
    .reduce((sum, g) => sum + g[column].value, 0);
  const hiddenSum = total - shownSum;
  const domains = hidden.map((g) => domainOf(g, column, hiddenSum));
  for (let i = 0; i < hidden.length; i++) {
    // The sums the other hidden cells can make, up to hiddenSum.
    let reach: Uint8Array = new Uint8Array(hiddenSum + 1);
    reach[0] = 1;
    for (let j = 0; j < hidden.length; j++) {
      if (j !== i) reach = addDomain(reach, domains[j]);
    }
    let possible = 0;
    for (const [lo, hi] of domains[i]) {
      for (let v = lo; v <= Math.min(hi, hiddenSum); v++) {
        if (reach[hiddenSum - v]) possible++;
        if (possible > 1) break;
      }
      if (possible > 1) break;
    }
    if (possible <= 1) return true;
  }
  return false;
}

/** The sums reachable as a sum in `reach` plus a value of `domain`, up to reach's length. */
function addDomain(reach: Uint8Array, domain: Domain): Uint8Array {
  const size = reach.length;
  const prefix = new Int32Array(size + 1);
  for (let s = 0; s < size; s++) prefix[s + 1] = prefix[s] + reach[s];
  const out = new Uint8Array(size);
  for (const [lo, hi] of domain) {
    for (let s = lo; s < size; s++) {
      // Some t in [s - hi, s - lo] with reach[t].
      const from = Math.max(0, s - hi);
      const to = s - lo;
      if (prefix[to + 1] - prefix[from] > 0) out[s] = 1;
    }
  }
  return out;
}

function shownCount(cell: Cell): ShownCount {
  return cell.state === "shown" ? cell.value : cell.state === "small" ? "<10" : "suppressed";
}

/** Whether part/whole over total part/total whole lies outside [0.8, 1.25], in whole numbers. */
function outsideBounds(part: number, whole: number, totalPart: number, totalWhole: number) {
  // ratio = part·totalWhole / (whole·totalPart); 0.8 = 4/5 and 1.25 = 5/4.
  const left = part * totalWhole;
  const right = whole * totalPart;
  return 5 * left < 4 * right || 4 * left > 5 * right;
}

function shownGroup(
  g: RawGroup,
  total: Record<Column, number>,
  totalHidden: Record<Column, boolean>,
  cases: boolean,
  withheld: readonly Column[],
): FairnessGroup {
  const figures = (column: "flagged" | "withCase") => {
    const visible = g.inScope.state === "shown" && g[column].state === "shown";
    const rate = visible ? rateOf(g[column].value, g.inScope.value) : null;
    const comparable = visible && !totalHidden[column] && total[column] > 0;
    return {
      count: shownCount(g[column]),
      rate,
      ratio: comparable
        ? (g[column].value * total.inScope) / (g.inScope.value * total[column])
        : null,
      outside:
        comparable && outsideBounds(g[column].value, g.inScope.value, total[column], total.inScope),
    };
  };
  // A withheld column shows every cell alike, so that none of them tells its reason.
  const count = (column: Column) => (withheld.includes(column) ? "suppressed" : null);
  const flagged = figures("flagged");
  const out: FairnessGroup = {
    group: g.group,
    inScope: count("inScope") ?? shownCount(g.inScope),
    flagged: count("flagged") ?? flagged.count,
    rate: flagged.rate,
    ratio: flagged.ratio,
    outside: flagged.outside,
  };
  if (cases) {
    const c = figures("withCase");
    out.withCase = count("withCase") ?? c.count;
    out.caseRate = c.rate;
    out.caseRatio = c.ratio;
    out.caseOutside = c.outside;
  }
  return out;
}

/** A calendar quarter: January–March is Q1. */
export interface Quarter {
  /** `2013-Q4`. */
  label: string;
  from: DayNumber;
  to: DayNumber;
}

/** The calendar quarter a day falls in. */
export function quarterOf(day: DayNumber): Quarter {
  const date = new Date(day * 86_400_000);
  const year = date.getUTCFullYear();
  const q = Math.floor(date.getUTCMonth() / 3);
  const dayOf = (y: number, m: number) => Math.round(Date.UTC(y, m, 1) / 86_400_000);
  return {
    label: `${year}-Q${q + 1}`,
    from: dayOf(year, q * 3),
    to: dayOf(year, q * 3 + 3) - 1,
  };
}

/** A student and a day: a finding on that day, or a case opened as of it. */
export interface DatedStudent {
  studentId: string;
  day: DayNumber;
}

export interface QuarterFairnessInput {
  quarter: Quarter;
  /** The last day counted (quarter to date); the quarter's last day when absent. */
  through?: DayNumber;
  /** The students in scope over the quarter. */
  students: Iterable<string>;
  /** Findings by day; those outside the quarter (to `through`) are ignored. */
  findings: readonly DatedStudent[];
  /** Cases by the day they were opened as of; absent for findings only. */
  cases?: readonly DatedStudent[];
  demographics: readonly Demographic[];
}

export interface QuarterFairness extends FairnessReport {
  quarter: { label: string; from: DayNumber; through: DayNumber };
}

/**
 * One quarter's view, for a digest: the students in scope, and those with at least one
 * finding (or a case opened) on a day of the quarter up to `through`, by group.
 */
export function quarterFairness(input: QuarterFairnessInput): QuarterFairness {
  const { quarter } = input;
  const through = Math.min(input.through ?? quarter.to, quarter.to);
  const within = (list: readonly DatedStudent[]) =>
    new Set(list.filter((d) => d.day >= quarter.from && d.day <= through).map((d) => d.studentId));
  const report = fairnessReport({
    students: input.students,
    flagged: within(input.findings),
    ...(input.cases !== undefined && { withCase: within(input.cases) }),
    demographics: input.demographics,
  });
  return { ...report, quarter: { label: quarter.label, from: quarter.from, through } };
}

/**
 * Groups event rows by student, so a metric reads one student's events as one contiguous
 * slice. Two steps:
 *
 * 1. `groupAttendanceRows` / `groupActivityRows`: a stable counting sort of one part's
 *    rows by student (linear time): rows read on the main thread, or a Parquet file's
 *    row groups. (Parts read on worker threads are grouped as they are written into the
 *    data set's columns instead: place-by-student.ts.)
 * 2. `mergeAttendance` / `mergeActivity`: the grouped parts, in file order, are joined
 *    student by student (sequential copies), renumbering each part's sections, sources
 *    and kinds on the way. Attendance is then ordered by day and section within each
 *    student and de-duplicated: two rows for the same student, day and section are one
 *    session. The kept row does not depend on input order (the most serious status wins,
 *    then the most minutes), which keeps evaluation deterministic under shuffled input.
 */
import type { ActivityLog, AttendanceLog } from "./dataset.ts";
import type { RejectionCode } from "./import-report.ts";

export interface AttendanceRows {
  student: Int32Array;
  day: Int32Array;
  status: Uint8Array;
  /** Absent when no row has minutes (all -1). */
  minutes?: Int32Array;
  /** Absent when no row has a section (all -1). */
  section?: Int32Array;
  line: Int32Array;
  /** Which file each row came from (see DatasetBuilder.attendanceOrigin). */
  origin: Uint8Array;
}

/** Rows grouped by student: student s has rows `start[s] .. start[s+1]-1`. */
export type GroupedAttendance = Omit<AttendanceRows, "student"> & { start: Int32Array };

export interface ActivityRows {
  student: Int32Array;
  day: Int32Array;
  source: Uint16Array;
  kind: Uint16Array;
  count: Float64Array;
}

export type GroupedActivity = Omit<ActivityRows, "student"> & { start: Int32Array };

export interface DroppedRow {
  line: number;
  origin: number;
  status: number;
}

export type OnDropped = (
  dropped: DroppedRow,
  kept: DroppedRow,
  code: Extract<RejectionCode, "duplicate" | "conflict">,
) => void;

function studentOffsets(nStudents: number, student: Int32Array): Int32Array {
  const start = new Int32Array(nStudents + 1);
  for (let i = 0; i < student.length; i++) start[student[i] + 1]++;
  for (let s = 0; s < nStudents; s++) start[s + 1] += start[s];
  return start;
}

/**
 * Stable counting sort: the rows in grouped order. The columns are then gathered in
 * that order (random reads, sequential writes), which is kinder to the cache than
 * scattering every column (random writes).
 */
function groupedOrder(start: Int32Array, student: Int32Array): Int32Array {
  const next = start.slice(0, start.length - 1);
  const order = new Int32Array(student.length);
  for (let i = 0; i < student.length; i++) order[next[student[i]]++] = i;
  return order;
}

export function groupAttendanceRows(nStudents: number, rows: AttendanceRows): GroupedAttendance {
  const start = studentOffsets(nStudents, rows.student);
  const order = groupedOrder(start, rows.student);
  const n = rows.student.length;
  const day = new Int32Array(n);
  const status = new Uint8Array(n);
  const line = new Int32Array(n);
  const origin = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k];
    day[k] = rows.day[i];
    status[k] = rows.status[i];
    line[k] = rows.line[i];
    origin[k] = rows.origin[i];
  }
  const gather = (column: Int32Array | undefined) =>
    column && Int32Array.from(order, (i) => column[i]);
  return {
    start,
    day,
    status,
    line,
    origin,
    minutes: gather(rows.minutes),
    section: gather(rows.section),
  };
}

export function groupActivityRows(nStudents: number, rows: ActivityRows): GroupedActivity {
  const start = studentOffsets(nStudents, rows.student);
  const order = groupedOrder(start, rows.student);
  const n = rows.student.length;
  const g: GroupedActivity = {
    start,
    day: new Int32Array(n),
    source: new Uint16Array(n),
    kind: new Uint16Array(n),
    count: new Float64Array(n),
  };
  for (let k = 0; k < n; k++) {
    const i = order[k];
    g.day[k] = rows.day[i];
    g.source[k] = rows.source[i];
    g.kind[k] = rows.kind[i];
    g.count[k] = rows.count[i];
  }
  return g;
}

export interface AttendancePart {
  rows: GroupedAttendance;
  /** Added to the part's line numbers: where the part starts in its file. */
  lineBase: number;
  /** The part's section numbers → final section numbers. */
  sectionIndex: Int32Array;
}

export function mergeAttendance(
  nStudents: number,
  parts: readonly AttendancePart[],
  onDropped: OnDropped,
): AttendanceLog {
  let n = 0;
  for (const p of parts) n += p.rows.day.length;
  // With one part, its columns are reused: rows only ever move towards the front.
  const one = parts.length === 1 ? parts[0].rows : undefined;
  const day = one ? one.day : new Int32Array(n);
  const status = one ? one.status : new Uint8Array(n);
  // Most exports record neither minutes nor sections: a column no part has stays absent.
  const minutes = parts.some((p) => p.rows.minutes)
    ? (one?.minutes ?? new Int32Array(n))
    : undefined;
  const section = parts.some((p) => p.rows.section)
    ? (one?.section ?? new Int32Array(n))
    : undefined;
  const student = new Int32Array(n);
  const start = new Int32Array(nStudents + 1);
  const cols: Columns = { day, status, minutes, section, student };
  // (The slow path is a function of its own, so that nothing here is captured by a
  // closure: the columns stay in registers in this loop over every row.)
  const settle = new Settle(cols, parts, onDropped);

  let w = 0;
  for (let s = 0; s < nStudents; s++) {
    start[s] = w;
    // Join the parts' rows of this student, in file order, after the rows kept so far.
    const a = w;
    let b = w;
    for (const p of parts) {
      const r = p.rows;
      const i0 = r.start[s];
      const i1 = r.start[s + 1];
      if (i1 === i0) continue;
      // (Rows never move backwards, b <= i0, so one part's columns can be reused in place.)
      const rDay = r.day;
      const rStatus = r.status;
      if (rDay !== day || i0 !== b) {
        for (let i = i0, k = b; i < i1; i++, k++) {
          day[k] = rDay[i];
          status[k] = rStatus[i];
        }
      }
      if (minutes) {
        const rMinutes = r.minutes;
        if (rMinutes) {
          if (rMinutes !== minutes || i0 !== b)
            for (let i = i0, k = b; i < i1; i++, k++) minutes[k] = rMinutes[i];
        } else minutes.fill(-1, b, b + i1 - i0);
      }
      if (section) {
        const rSection = r.section;
        if (rSection) {
          const index = p.sectionIndex;
          for (let i = i0, k = b; i < i1; i++, k++)
            section[k] = rSection[i] >= 0 ? index[rSection[i]] : -1;
        } else section.fill(-1, b, b + i1 - i0);
      }
      b += i1 - i0;
    }
    // Nearly always each row is a later day (or a later section of the day) than the one
    // before: then the rows are in order and none repeats, and there is nothing to do.
    let plain = true;
    for (let k = a + 1; k < b; k++) {
      if (day[k - 1] < day[k]) continue;
      if (section && day[k - 1] === day[k] && section[k - 1] < section[k]) continue;
      plain = false;
      break;
    }
    if (plain) {
      student.fill(s, a, b);
      w = b;
    } else w = settle.student(s, a, b);
  }
  start[nStudents] = w;
  return {
    length: w,
    start,
    student: student.subarray(0, w),
    day: day.subarray(0, w),
    status: status.subarray(0, w),
    minutes: minutes?.subarray(0, w),
    section: section?.subarray(0, w),
  };
}

interface Columns {
  day: Int32Array;
  status: Uint8Array;
  minutes: Int32Array | undefined;
  section: Int32Array | undefined;
  student: Int32Array;
}

/** Orders one student's joined rows and drops repeated sessions (mergeAttendance's slow path). */
class Settle {
  // Lines and files are needed only here: they live in a scratch buffer the size of one
  // student's rows, indexed from that student's first row.
  private line = new Int32Array(1024);
  private origin = new Uint8Array(1024);

  constructor(
    private readonly c: Columns,
    private readonly parts: readonly AttendancePart[],
    private readonly onDropped: OnDropped,
  ) {}

  /** Settles student `s`, whose rows are `a .. b-1`; returns where the next student starts. */
  student(s: number, a: number, b: number): number {
    const { day, status, minutes, section, student } = this.c;
    const rows = b - a;
    if (rows > this.line.length) {
      this.line = new Int32Array(rows * 2);
      this.origin = new Uint8Array(rows * 2);
    }
    const line = this.line;
    const origin = this.origin;
    let at = 0;
    for (const p of this.parts) {
      const r = p.rows;
      for (let i = r.start[s]; i < r.start[s + 1]; i++, at++) {
        line[at] = r.line[i] + p.lineBase;
        origin[at] = r.origin[i];
      }
    }
    // Within a student: by day, section, most serious status, most minutes, then line.
    // (An absent column is -1 on every row: it orders nothing.)
    const before = (x: number, y: number): number =>
      day[x] - day[y] ||
      (section ? section[x] - section[y] : 0) ||
      status[y] - status[x] ||
      (minutes ? minutes[y] - minutes[x] : 0) ||
      line[x - a] - line[y - a];
    let sorted = true;
    for (let k = a + 1; k < b && sorted; k++) if (before(k - 1, k) > 0) sorted = false;
    if (!sorted) {
      const order = Array.from({ length: rows }, (_, i) => a + i).sort(before);
      const copy = order.map((k) => [
        day[k],
        status[k],
        minutes ? minutes[k] : -1,
        section ? section[k] : -1,
        line[k - a],
        origin[k - a],
      ]);
      copy.forEach(([d, st, mi, se, li, or], i) => {
        day[a + i] = d;
        status[a + i] = st;
        if (minutes) minutes[a + i] = mi;
        if (section) section[a + i] = se;
        line[i] = li;
        origin[i] = or;
      });
    }
    // Drop repeated (day, section) rows, compacting in place.
    let w = a;
    let kept = -1;
    for (let k = a; k < b; k++) {
      if (kept >= 0 && day[k] === day[kept] && (!section || section[k] === section[kept])) {
        this.onDropped(
          { line: line[k - a], origin: origin[k - a], status: status[k] },
          { line: line[kept - a], origin: origin[kept - a], status: status[kept] },
          status[k] === status[kept] ? "duplicate" : "conflict",
        );
        continue;
      }
      if (w !== k) {
        day[w] = day[k];
        status[w] = status[k];
        if (minutes) minutes[w] = minutes[k];
        if (section) section[w] = section[k];
        line[w - a] = line[k - a];
        origin[w - a] = origin[k - a];
      }
      student[w] = s;
      kept = w;
      w++;
    }
    return w;
  }
}

export interface ActivityPart {
  rows: GroupedActivity;
  sourceIndex: Int32Array;
  kindIndex: Int32Array;
}

export function mergeActivity(nStudents: number, parts: readonly ActivityPart[]): ActivityLog {
  let n = 0;
  for (const p of parts) n += p.rows.day.length;
  // With one part, its columns are reused (rows stay where they are).
  const one = parts.length === 1 ? parts[0].rows : undefined;
  const student = new Int32Array(n);
  const day = one ? one.day : new Int32Array(n);
  const source = one ? one.source : new Uint16Array(n);
  const kind = one ? one.kind : new Uint16Array(n);
  const count = one ? one.count : new Float64Array(n);
  const start = new Int32Array(nStudents + 1);
  // A part whose numbers are already the final ones needs no lookups.
  const same = (index: Int32Array) => index.every((v, i) => v === i);
  const plain = parts.map((p) => same(p.sourceIndex) && same(p.kindIndex));
  let w = 0;
  for (let s = 0; s < nStudents; s++) {
    start[s] = w;
    for (let q = 0; q < parts.length; q++) {
      const p = parts[q];
      const r = p.rows;
      const i0 = r.start[s];
      const i1 = r.start[s + 1];
      if (i1 === i0) continue;
      const rDay = r.day;
      const rSource = r.source;
      const rKind = r.kind;
      const rCount = r.count;
      if (plain[q]) {
        for (let i = i0; i < i1; i++, w++) {
          student[w] = s;
          day[w] = rDay[i];
          source[w] = rSource[i];
          kind[w] = rKind[i];
          count[w] = rCount[i];
        }
        continue;
      }
      const sourceIndex = p.sourceIndex;
      const kindIndex = p.kindIndex;
      for (let i = i0; i < i1; i++, w++) {
        student[w] = s;
        day[w] = rDay[i];
        source[w] = sourceIndex[rSource[i]];
        kind[w] = kindIndex[rKind[i]];
        count[w] = rCount[i];
      }
    }
  }
  start[nStudents] = w;
  return { length: n, start, student, day, source, kind, count };
}

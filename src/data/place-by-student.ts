/**
 * Event rows read in parts on worker threads go straight into the data set's columns,
 * grouped by student, with no join on the main thread afterwards:
 *
 * 1. each worker counts its part's rows per student (`countByStudent`);
 * 2. the main thread works out where each part's rows of each student begin
 *    (`planPlaces`: student by student, the parts in file order) and makes the columns,
 *    in memory every worker shares;
 * 3. each worker writes its rows there (`placeAttendanceRows`, `placeActivityRows`),
 *    renumbering sections, sources and kinds.
 *
 * The columns are then exactly what `mergeAttendance` / `mergeActivity` would join from
 * the same parts (tests/data/place-by-student.test.ts). Attendance is also checked: a
 * student whose rows are not each a later day (or a later section of the day) than the
 * one before is "unordered", found by the workers within their parts and by
 * `unorderedAtJoins` where two parts meet. Only then are the rows' line numbers needed
 * (`placeLines`, adding where each part starts in the file), for the caller to settle the
 * columns with `mergeAttendance` (ordering, and dropping repeated sessions with the line
 * of each reported).
 *
 * No per-row student column is written: the data set makes it from the students' start
 * offsets if something asks for it.
 */
import type { ActivityRows, AttendanceRows } from "./group-by-student.ts";

export interface PlacedAttendanceColumns {
  day: Int32Array;
  status: Uint8Array;
  minutes?: Int32Array;
  section?: Int32Array;
}

export interface AttendancePlacing {
  columns: PlacedAttendanceColumns;
  /** The part's section numbers → the data set's. */
  sectionIndex: Int32Array;
}

/** The line column, when attendance must be settled (see `placeLines`). */
export interface LinePlacing {
  line: Int32Array;
  /** Added to the part's line numbers. */
  lineBase: number;
}

export interface PlacedActivityColumns {
  day: Int32Array;
  source: Uint16Array;
  kind: Uint16Array;
  count: Float64Array;
}

export interface ActivityPlacing {
  columns: PlacedActivityColumns;
  sourceIndex: Int32Array;
  kindIndex: Int32Array;
}

/** Rows per student. */
export function countByStudent(nStudents: number, student: Int32Array): Int32Array {
  const counts = new Int32Array(nStudents);
  for (let i = 0; i < student.length; i++) counts[student[i]]++;
  return counts;
}

export interface Places {
  /** Student s has rows `start[s] .. start[s+1]-1`. */
  start: Int32Array;
  /** Part q's rows of student s begin at `bases[q][s]`. */
  bases: Int32Array[];
  length: number;
}

/** Where each part's rows go: student by student, and within a student the parts in order. */
export function planPlaces(nStudents: number, counts: readonly Int32Array[]): Places {
  const start = new Int32Array(nStudents + 1);
  const bases = counts.map(() => new Int32Array(nStudents));
  let at = 0;
  for (let s = 0; s < nStudents; s++) {
    start[s] = at;
    for (let q = 0; q < counts.length; q++) {
      bases[q][s] = at;
      at += counts[q][s];
    }
  }
  start[nStudents] = at;
  return { start, bases, length: at };
}

export function shared<T>(make: new (buffer: SharedArrayBuffer) => T, bytes: number): T {
  return new make(new SharedArrayBuffer(bytes));
}

/** Attendance columns of `n` rows in shared memory; minutes and sections only if asked. */
export function sharedAttendanceColumns(
  n: number,
  has: { minutes: boolean; section: boolean },
): PlacedAttendanceColumns {
  return {
    day: shared(Int32Array, n * 4),
    status: shared(Uint8Array, n),
    minutes: has.minutes ? shared(Int32Array, n * 4) : undefined,
    section: has.section ? shared(Int32Array, n * 4) : undefined,
  };
}

export function sharedActivityColumns(n: number): PlacedActivityColumns {
  return {
    day: shared(Int32Array, n * 4),
    source: shared(Uint16Array, n * 2),
    kind: shared(Uint16Array, n * 2),
    count: shared(Float64Array, n * 8),
  };
}

/**
 * Writes one part's attendance rows where `bases` says (as `planPlaces` made it for
 * this part); returns the students whose rows in this part are unordered.
 */
export function placeAttendanceRows(
  rows: AttendanceRows,
  bases: Int32Array,
  placing: AttendancePlacing,
): Int32Array {
  const { day, status, minutes, section } = placing.columns;
  const { sectionIndex } = placing;
  const next = bases.slice();
  const unordered = new Uint8Array(bases.length);
  let anyUnordered = false;
  const rStudent = rows.student;
  const rDay = rows.day;
  const rStatus = rows.status;
  const rMinutes = rows.minutes;
  const rSection = rows.section;
  for (let i = 0; i < rStudent.length; i++) {
    const s = rStudent[i];
    const d = next[s]++;
    const today = rDay[i];
    day[d] = today;
    status[d] = rStatus[i];
    if (minutes) minutes[d] = rMinutes ? rMinutes[i] : -1;
    let here = -1;
    if (section) {
      const k = rSection ? rSection[i] : -1;
      here = k >= 0 ? sectionIndex[k] : -1;
      section[d] = here;
    }
    // The row before, of this student and part: an earlier day, or an earlier section.
    if (d > bases[s]) {
      const before = day[d - 1];
      if (before < today || (section && before === today && section[d - 1] < here)) continue;
      unordered[s] = 1;
      anyUnordered = true;
    }
  }
  if (!anyUnordered) return new Int32Array(0);
  const list: number[] = [];
  for (let s = 0; s < unordered.length; s++) if (unordered[s]) list.push(s);
  return Int32Array.from(list);
}

/** Writes one part's activity rows where `bases` says. */
export function placeActivityRows(
  rows: ActivityRows,
  bases: Int32Array,
  placing: ActivityPlacing,
): void {
  const { day, source, kind, count } = placing.columns;
  const { sourceIndex, kindIndex } = placing;
  const next = bases.slice();
  const rStudent = rows.student;
  const rDay = rows.day;
  const rSource = rows.source;
  const rKind = rows.kind;
  const rCount = rows.count;
  for (let i = 0; i < rStudent.length; i++) {
    const s = rStudent[i];
    const d = next[s]++;
    day[d] = rDay[i];
    source[d] = sourceIndex[rSource[i]];
    kind[d] = kindIndex[rKind[i]];
    count[d] = rCount[i];
  }
}

/** Writes one part's line numbers where its attendance rows were placed. */
export function placeLines(rows: AttendanceRows, bases: Int32Array, placing: LinePlacing): void {
  const { line, lineBase } = placing;
  const next = bases.slice();
  const rStudent = rows.student;
  const rLine = rows.line;
  for (let i = 0; i < rStudent.length; i++) line[next[rStudent[i]]++] = rLine[i] + lineBase;
}

/** The student of each row, from where each student's rows start. */
export function studentColumn(start: Int32Array, length: number): Int32Array {
  const student = new Int32Array(length);
  for (let s = 0; s + 1 < start.length; s++) student.fill(s, start[s], start[s + 1]);
  return student;
}

/**
 * Whether any student's rows are unordered where one part's rows meet the next's (the
 * workers check within their parts).
 */
export function unorderedAtJoins(
  places: Places,
  counts: readonly Int32Array[],
  columns: PlacedAttendanceColumns,
): boolean {
  const { start, bases } = places;
  const { day, section } = columns;
  for (let q = 1; q < bases.length; q++) {
    const at = bases[q];
    const n = counts[q];
    for (let s = 0; s < n.length; s++) {
      const d = at[s];
      if (n[s] === 0 || d === start[s]) continue;
      if (day[d - 1] < day[d]) continue;
      if (section && day[d - 1] === day[d] && section[d - 1] < section[d]) continue;
      return true;
    }
  }
  return false;
}

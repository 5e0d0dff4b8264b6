/**
 * The canonical records of one import, held in memory for evaluation. Students, staff,
 * submissions and circumstances are plain objects; the two high-volume streams
 * (attendance and activity, millions of rows) are columnar typed arrays indexed by the
 * student's position in `students`.
 *
 * Demographics are returned beside the data set (`Monitoring`), never inside it: rules and
 * cards receive a `Dataset`, so special-category data cannot reach them.
 */
import type { DayNumber } from "./dates.ts";
import { ActivityColumns, AttendanceColumns } from "./event-columns.ts";
import {
  type ActivityPart,
  type AttendancePart,
  type GroupedActivity,
  type GroupedAttendance,
  groupActivityRows,
  groupAttendanceRows,
  mergeActivity,
  mergeAttendance,
  type OnDropped,
} from "./group-by-student.ts";
import type { FileTally } from "./import-report.ts";
import { Interner } from "./interner.ts";
import {
  type PlacedActivityColumns,
  type PlacedAttendanceColumns,
  type Places,
  planPlaces,
  sharedActivityColumns,
  sharedAttendanceColumns,
  studentColumn,
  unorderedAtJoins,
} from "./place-by-student.ts";
import {
  ATTENDANCE_STATUSES,
  type CalendarDay,
  type Circumstance,
  type Demographic,
  type Enrolment,
  type School,
  type Section,
  type Staff,
  type Student,
  type Submission,
} from "./schema.ts";

export { STATUS_CODE } from "./statuses.ts";

/**
 * Attendance of all students, grouped by student (rows of student i are
 * `start[i] .. start[i+1]-1`), sorted by day then section within a student, duplicates
 * removed (see group-by-student.ts).
 */
export interface AttendanceLog {
  readonly length: number;
  readonly start: Int32Array;
  readonly student: Int32Array;
  readonly day: Int32Array;
  /** Index into ATTENDANCE_STATUSES. */
  readonly status: Uint8Array;
  /** Minutes attended, or -1 when unknown; absent when no row records minutes. */
  readonly minutes?: Int32Array;
  /**
   * Index into `Dataset.sectionKeys`, or -1 for a whole-day record; absent when every
   * record is a whole day's (most exports).
   */
  readonly section?: Int32Array;
}

/** Activity of all students, grouped by student like {@link AttendanceLog} (order within a student is not meaningful). */
export interface ActivityLog {
  readonly length: number;
  readonly start: Int32Array;
  readonly student: Int32Array;
  readonly day: Int32Array;
  /** Index into `Dataset.sources`. */
  readonly source: Uint16Array;
  /** Index into `Dataset.kinds`. */
  readonly kind: Uint16Array;
  readonly count: Float64Array;
}

export interface Dataset {
  readonly schools: ReadonlyMap<string, School>;
  readonly students: readonly Student[];
  readonly studentIndex: ReadonlyMap<string, number>;
  readonly staff: readonly Staff[];
  readonly sections: readonly Section[];
  /** Section ids referenced by attendance rows (interned). */
  readonly sectionKeys: readonly string[];
  readonly enrolments: readonly Enrolment[];
  /** Explicit calendar rows; schools without any get a derived calendar (see calendar/). */
  readonly calendar: readonly CalendarDay[];
  readonly attendance: AttendanceLog;
  readonly activity: ActivityLog;
  readonly sources: readonly string[];
  readonly kinds: readonly string[];
  readonly submissions: readonly Submission[];
  readonly circumstances: readonly Circumstance[];
}

export interface Monitoring {
  readonly demographics: readonly Demographic[];
}

/** Interned names in name order, and each first-appearance number's place in it. */
function byName(names: readonly string[]): { names: string[]; index: Int32Array } {
  const order = names
    .map((_, i) => i)
    .sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0));
  const index = new Int32Array(names.length);
  order.forEach((old, i) => {
    index[old] = i;
  });
  return { names: order.map((i) => names[i]), index };
}

/**
 * A log whose per-row `student` column is made from `start` the first time it is read:
 * evaluation reads a student's rows by `start` and never needs it.
 */
function withStudentColumn<T extends { start: Int32Array; length: number }>(
  log: T,
): T & { student: Int32Array } {
  let student: Int32Array | undefined;
  return Object.defineProperty(log, "student", {
    enumerable: true,
    get: () => {
      student ??= studentColumn(log.start, log.length);
      return student;
    },
  }) as T & { student: Int32Array };
}

function identity(size: number): Int32Array {
  return Int32Array.from({ length: size }, (_, i) => i);
}

/** `first` then `second`, as one lookup table. */
function compose(first: Int32Array, second: Int32Array): Int32Array {
  return first.map((i) => second[i]);
}

/** What a worker counted in its part of an event file (see data/parallel/). */
export interface PartCount {
  /** Rows per student. */
  counts: Int32Array;
  sections: readonly string[];
  sources: readonly string[];
  kinds: readonly string[];
  /** Whether any row records minutes, or a section (attendance). */
  minutes: boolean;
  section: boolean;
}

/** Where the parts' attendance rows go (DatasetBuilder.planAttendance). */
export interface AttendancePlan {
  places: Places;
  counts: Int32Array[];
  columns: PlacedAttendanceColumns;
  /** Per part: its section numbers → the data set's. */
  sectionIndex: Int32Array[];
  sectionKeys: string[];
}

/** Where the parts' activity rows go (DatasetBuilder.planActivity). */
export interface ActivityPlan {
  places: Places;
  columns: PlacedActivityColumns;
  sourceIndex: Int32Array[];
  kindIndex: Int32Array[];
}

export class DatasetBuilder {
  private readonly schools = new Map<string, School>();
  private readonly students: Student[] = [];
  private readonly studentIndex = new Map<string, number>();
  private readonly staff: Staff[] = [];
  private readonly sections: Section[] = [];
  private readonly sectionKeys = new Interner();
  private readonly enrolments: Enrolment[] = [];
  private readonly calendar: CalendarDay[] = [];
  private readonly submissions: Submission[] = [];
  private readonly circumstances: Circumstance[] = [];
  private readonly demographics: Demographic[] = [];
  private readonly sources = new Interner();
  private readonly kinds = new Interner();
  private readonly origins: FileTally[] = [];

  private att = new AttendanceColumns();
  private act = new ActivityColumns();
  private readonly attParts: AttendancePart[] = [];
  private readonly actParts: ActivityPart[] = [];

  addSchool(school: School): void {
    this.schools.set(school.id, school);
  }

  /** Adds a student; returns false (and keeps the first) when the id is already known. */
  addStudent(student: Student): boolean {
    if (this.studentIndex.has(student.id)) return false;
    this.studentIndex.set(student.id, this.students.length);
    this.students.push(student);
    return true;
  }

  studentIndexOf(id: string): number | undefined {
    return this.studentIndex.get(id);
  }

  /** Student ids in index order. */
  studentIdList(): string[] {
    return this.students.map((s) => s.id);
  }

  hasStudent(id: string): boolean {
    return this.studentIndex.has(id);
  }

  addStaff(staff: Staff): void {
    this.staff.push(staff);
  }
  addSection(section: Section): void {
    this.sections.push(section);
  }
  sectionList(): readonly Section[] {
    return this.sections;
  }
  addEnrolment(enrolment: Enrolment): void {
    this.enrolments.push(enrolment);
  }
  addCalendarDay(day: CalendarDay): void {
    this.calendar.push(day);
  }
  addSubmission(submission: Submission): void {
    this.submissions.push(submission);
  }
  addCircumstance(circumstance: Circumstance): void {
    this.circumstances.push(circumstance);
  }
  addDemographic(demographic: Demographic): void {
    this.demographics.push(demographic);
  }

  internSection(id: string): number {
    if (this.sealed) throw new Error("section added after attendance was placed");
    return this.sectionKeys.intern(id);
  }
  internSource(source: string): number {
    if (this.placedActivity) throw new Error("source added after activity was placed");
    return this.sources.intern(source);
  }
  internKind(kind: string): number {
    if (this.placedActivity) throw new Error("kind added after activity was placed");
    return this.kinds.intern(kind);
  }

  /**
   * Registers the file that attendance rows come from, so that duplicates found when the
   * data set is built are reported against the right file and line.
   */
  attendanceOrigin(tally: FileTally): number {
    const i = this.origins.indexOf(tally);
    if (i >= 0) return i;
    if (this.origins.length === 255) throw new Error("too many attendance files in one import");
    this.origins.push(tally);
    return this.origins.length - 1;
  }

  /**
   * Appends one attendance event for a known student (by index). `line` and `origin`
   * (from {@link attendanceOrigin}) say where it came from.
   */
  addAttendance(
    student: number,
    day: DayNumber,
    status: number,
    minutes = -1,
    section = -1,
    line = 0,
    origin = 255,
  ): void {
    if (this.sealed) throw new Error("attendance added after attendance was placed");
    this.att.add(student, day, status, minutes, section, line, origin);
  }

  /** Appends one activity event for a known student (by index). */
  addActivity(student: number, day: DayNumber, source: number, kind: number, count: number): void {
    this.act.add(student, day, source, kind, count);
  }

  /**
   * Adds a part of an attendance file read (and grouped by student) by a worker: see
   * data/parallel/. Parts join the data set, in the order added, when it is built.
   */
  addAttendancePart(
    part: GroupedAttendance,
    sections: readonly string[],
    lineBase: number,
    origin: number,
  ): void {
    if (this.sealed) throw new Error("attendance added after attendance was placed");
    part.origin.fill(origin);
    const sectionIndex = Int32Array.from(sections, (id) => this.internSection(id));
    this.attParts.push({ rows: part, lineBase, sectionIndex });
  }

  /** Adds a part of an activity file read (and grouped by student) by a worker. */
  addActivityPart(
    part: GroupedActivity,
    sources: readonly string[],
    kinds: readonly string[],
  ): void {
    this.actParts.push({
      rows: part,
      sourceIndex: Int32Array.from(sources, (source) => this.internSource(source)),
      kindIndex: Int32Array.from(kinds, (kind) => this.internKind(kind)),
    });
  }

  /**
   * Plans attendance read in parts by worker threads (data/parallel/), to be written by
   * them straight into the data set's columns (data/place-by-student.ts): where each
   * part's rows go, the shared columns, and each part's section numbers → the data set's.
   * It must be the import's only attendance; {@link attendancePlaced} then seals it.
   */
  planAttendance(parts: readonly PartCount[]): AttendancePlan {
    if (this.sealed || this.att.length > 0 || this.attParts.length > 0) {
      throw new Error("placed attendance must be the import's only attendance");
    }
    const own = parts.map((p) => Int32Array.from(p.sections, (id) => this.internSection(id)));
    const sections = byName(this.sectionKeys.values);
    const counts = parts.map((p) => p.counts);
    const places = planPlaces(this.students.length, counts);
    const columns = sharedAttendanceColumns(places.length, {
      minutes: parts.some((p) => p.minutes),
      section: parts.some((p) => p.section),
    });
    return {
      places,
      counts,
      columns,
      sectionIndex: own.map((index) => compose(index, sections.index)),
      sectionKeys: sections.names,
    };
  }

  /**
   * Whether the placed attendance must be settled (ordered, repeated sessions dropped):
   * when a worker found a student's rows out of order or repeated within its part
   * (`inParts`), or where two parts meet. The workers then write the rows' line numbers
   * too (place-by-student.ts), for the rows dropped to be reported.
   */
  attendanceUnordered(plan: AttendancePlan, inParts: boolean): boolean {
    return inParts || unorderedAtJoins(plan.places, plan.counts, plan.columns);
  }

  /**
   * The workers have written the planned attendance: the data set's columns as they
   * are, or — given the rows' line numbers, when {@link attendanceUnordered} — settled,
   * with repeated sessions reported against file `origin`.
   */
  attendancePlaced(plan: AttendancePlan, origin: number, line?: Int32Array): void {
    const { places, columns } = plan;
    const n = this.students.length;
    if (!line) {
      this.sealed = {
        attendance: withStudentColumn({
          length: places.length,
          start: places.start,
          day: columns.day,
          status: columns.status,
          minutes: columns.minutes,
          section: columns.section,
        }),
        sectionKeys: plan.sectionKeys,
      };
      return;
    }
    const rows: GroupedAttendance = {
      start: places.start,
      day: columns.day,
      status: columns.status,
      minutes: columns.minutes,
      section: columns.section,
      line,
      origin: new Uint8Array(places.length).fill(origin),
    };
    const part = { rows, lineBase: 0, sectionIndex: identity(plan.sectionKeys.length) };
    this.sealed = {
      attendance: mergeAttendance(n, [part], this.reportDropped),
      sectionKeys: plan.sectionKeys,
    };
  }

  /**
   * Plans activity read in parts by worker threads, as {@link planAttendance}: the
   * import's only activity. No source or kind may be added once it is placed.
   */
  planActivity(parts: readonly PartCount[]): ActivityPlan {
    if (this.act.length > 0 || this.actParts.length > 0 || this.placedActivity) {
      throw new Error("placed activity must be the import's only activity");
    }
    const ownSources = parts.map((p) => Int32Array.from(p.sources, (x) => this.internSource(x)));
    const ownKinds = parts.map((p) => Int32Array.from(p.kinds, (x) => this.internKind(x)));
    const sources = byName(this.sources.values);
    const kinds = byName(this.kinds.values);
    const places = planPlaces(
      this.students.length,
      parts.map((p) => p.counts),
    );
    return {
      places,
      columns: sharedActivityColumns(places.length),
      sourceIndex: ownSources.map((index) => compose(index, sources.index)),
      kindIndex: ownKinds.map((index) => compose(index, kinds.index)),
    };
  }

  /** The workers have written the planned activity. */
  activityPlaced(plan: ActivityPlan): void {
    const { places, columns } = plan;
    this.placedActivity = withStudentColumn({
      length: places.length,
      start: places.start,
      day: columns.day,
      source: columns.source,
      kind: columns.kind,
      count: columns.count,
    });
  }

  private placedActivity: ActivityLog | undefined;

  /** Sizes the attendance columns for about `rows` more rows (an import's estimate). */
  reserveAttendance(rows: number): void {
    this.att.reserve(this.att.length + rows);
  }
  reserveActivity(rows: number): void {
    this.act.reserve(this.act.length + rows);
  }

  get attendanceCount(): number {
    return this.att.length;
  }
  get activityCount(): number {
    return this.act.length;
  }

  /** Attendance in its final columns, once placed (no attendance or section may follow). */
  private sealed: { attendance: AttendanceLog; sectionKeys: string[] } | undefined;

  private joinAttendance(): { attendance: AttendanceLog; sectionKeys: string[] } {
    const n = this.students.length;
    // Number sections (and, in build, sources and kinds) in the order of their names, not
    // of first appearance, so that the columns do not depend on row order.
    const sections = byName(this.sectionKeys.values);
    // Each stage lets go of the one before, so that at most two copies of the events
    // are held at once.
    const attendanceParts: AttendancePart[] = [];
    if (this.att.length > 0) {
      const rows = groupAttendanceRows(n, this.att.values());
      this.att = new AttendanceColumns();
      attendanceParts.push({ rows, lineBase: 0, sectionIndex: identity(sections.index.length) });
    }
    attendanceParts.push(...this.attParts.splice(0));
    for (const p of attendanceParts) p.sectionIndex = compose(p.sectionIndex, sections.index);
    const attendance = mergeAttendance(n, attendanceParts, this.reportDropped);
    attendanceParts.length = 0;
    return { attendance, sectionKeys: sections.names };
  }

  /** Reports a repeated attendance session on the file it came from. */
  private readonly reportDropped: OnDropped = (row, kept, code) => {
    const tally = this.origins[row.origin];
    if (!tally) return;
    const what =
      code === "duplicate"
        ? `duplicate of line ${kept.line}`
        : `conflicts with line ${kept.line} (${ATTENDANCE_STATUSES[kept.status]} kept, ${ATTENDANCE_STATUSES[row.status]} dropped)`;
    tally.retract(row.line, code, what);
  };

  /**
   * Groups the event streams by student and removes duplicate attendance (reported on the
   * file it came from). The builder must not be used afterwards.
   */
  build(): { dataset: Dataset; monitoring: Monitoring } {
    const n = this.students.length;
    const { attendance, sectionKeys } = this.sealed ?? this.joinAttendance();
    this.sealed = undefined;
    const sources = byName(this.sources.values);
    const kinds = byName(this.kinds.values);
    if (this.placedActivity) {
      if (this.act.length > 0) throw new Error("activity added after activity was placed");
      return this.dataset(attendance, sectionKeys, this.placedActivity, sources.names, kinds.names);
    }
    const activityParts: ActivityPart[] = [];
    if (this.act.length > 0) {
      const rows = groupActivityRows(n, this.act.values());
      this.act = new ActivityColumns();
      activityParts.push({
        rows,
        sourceIndex: identity(sources.index.length),
        kindIndex: identity(kinds.index.length),
      });
    }
    activityParts.push(...this.actParts.splice(0));
    for (const p of activityParts) {
      p.sourceIndex = compose(p.sourceIndex, sources.index);
      p.kindIndex = compose(p.kindIndex, kinds.index);
    }
    const activity = mergeActivity(n, activityParts);
    return this.dataset(attendance, sectionKeys, activity, sources.names, kinds.names);
  }

  private dataset(
    attendance: AttendanceLog,
    sectionKeys: string[],
    activity: ActivityLog,
    sources: string[],
    kinds: string[],
  ): { dataset: Dataset; monitoring: Monitoring } {
    const dataset: Dataset = {
      schools: this.schools,
      students: this.students,
      studentIndex: this.studentIndex,
      staff: this.staff,
      sections: this.sections,
      sectionKeys,
      enrolments: this.enrolments,
      calendar: this.calendar,
      attendance,
      activity,
      sources,
      kinds,
      submissions: this.submissions,
      circumstances: this.circumstances,
    };
    return { dataset, monitoring: { demographics: this.demographics } };
  }
}

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
import { groupActivity, groupAttendance } from "./group-by-student.ts";
import type { FileTally } from "./import-report.ts";
import {
  ATTENDANCE_STATUSES,
  type AttendanceStatus,
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

export const STATUS_CODE: Readonly<Record<AttendanceStatus, number>> = Object.fromEntries(
  ATTENDANCE_STATUSES.map((s, i) => [s, i]),
) as Record<AttendanceStatus, number>;

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
  /** Minutes attended, or -1 when unknown. */
  readonly minutes: Int32Array;
  /** Index into `Dataset.sectionKeys`, or -1 for a whole-day record. */
  readonly section: Int32Array;
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

class Interner {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  intern(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(value, i);
    }
    return i;
  }
}

/** A growable typed-array column. */
class Column<T extends Int32Array | Uint8Array | Uint16Array | Float64Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(value: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
  get values(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

const int32 = () => new Column(new Int32Array(1024), (n) => new Int32Array(n));

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

  private readonly att = {
    student: int32(),
    day: int32(),
    status: new Column(new Uint8Array(1024), (n) => new Uint8Array(n)),
    minutes: int32(),
    section: int32(),
    line: int32(),
    origin: new Column(new Uint8Array(1024), (n) => new Uint8Array(n)),
  };
  private readonly act = {
    student: int32(),
    day: int32(),
    source: new Column(new Uint16Array(1024), (n) => new Uint16Array(n)),
    kind: new Column(new Uint16Array(1024), (n) => new Uint16Array(n)),
    count: new Column(new Float64Array(1024), (n) => new Float64Array(n)),
  };

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

  hasStudent(id: string): boolean {
    return this.studentIndex.has(id);
  }

  addStaff(staff: Staff): void {
    this.staff.push(staff);
  }
  addSection(section: Section): void {
    this.sections.push(section);
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
    return this.sectionKeys.intern(id);
  }
  internSource(source: string): number {
    return this.sources.intern(source);
  }
  internKind(kind: string): number {
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
    this.att.student.push(student);
    this.att.day.push(day);
    this.att.status.push(status);
    this.att.minutes.push(minutes);
    this.att.section.push(section);
    this.att.line.push(line);
    this.att.origin.push(origin);
  }

  /** Appends one activity event for a known student (by index). */
  addActivity(student: number, day: DayNumber, source: number, kind: number, count: number): void {
    this.act.student.push(student);
    this.act.day.push(day);
    this.act.source.push(source);
    this.act.kind.push(kind);
    this.act.count.push(count);
  }

  get attendanceCount(): number {
    return this.att.student.length;
  }
  get activityCount(): number {
    return this.act.student.length;
  }

  /**
   * Groups the event streams by student and removes duplicate attendance (reported on the
   * file it came from). The builder must not be used afterwards.
   */
  build(): { dataset: Dataset; monitoring: Monitoring } {
    const n = this.students.length;
    // Number sections in the order of their ids, not of first appearance, so that the
    // columns do not depend on row order.
    const keys = this.sectionKeys.values;
    const byId = keys
      .map((_, i) => i)
      .sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
    const renumber = new Int32Array(keys.length);
    byId.forEach((old, i) => {
      renumber[old] = i;
    });
    const section = this.att.section.values;
    for (let i = 0; i < section.length; i++) if (section[i] >= 0) section[i] = renumber[section[i]];
    const sectionKeys = byId.map((i) => keys[i]);
    const attendance = groupAttendance(
      n,
      {
        student: this.att.student.values,
        day: this.att.day.values,
        status: this.att.status.values,
        minutes: this.att.minutes.values,
        section: this.att.section.values,
        line: this.att.line.values,
        origin: this.att.origin.values,
      },
      (row, kept, code) => {
        const tally = this.origins[row.origin];
        if (!tally) return;
        const what =
          code === "duplicate"
            ? `duplicate of line ${kept.line}`
            : `conflicts with line ${kept.line} (${ATTENDANCE_STATUSES[kept.status]} kept, ${ATTENDANCE_STATUSES[row.status]} dropped)`;
        tally.retract(row.line, code, what);
      },
    );
    const activity = groupActivity(n, {
      student: this.act.student.values,
      day: this.act.day.values,
      source: this.act.source.values,
      kind: this.act.kind.values,
      count: this.act.count.values,
    });
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
      sources: this.sources.values,
      kinds: this.kinds.values,
      submissions: this.submissions,
      circumstances: this.circumstances,
    };
    return { dataset, monitoring: { demographics: this.demographics } };
  }
}

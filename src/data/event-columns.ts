/**
 * Growable typed-array columns for the two event streams, filled row by row during an
 * import. One class per stream keeps every property access monomorphic, which matters
 * at millions of rows.
 */

function grown<T extends Int32Array | Uint8Array | Uint16Array | Float64Array>(
  a: T,
  size: number,
): T {
  const next = new (a.constructor as new (n: number) => T)(size);
  next.set(a.subarray(0, Math.min(a.length, size)));
  return next;
}

export class AttendanceColumns {
  length = 0;
  student = new Int32Array(1024);
  day = new Int32Array(1024);
  status = new Uint8Array(1024);
  /** Allocated on the first row that has minutes (most exports have none). */
  minutes: Int32Array | undefined;
  /** Allocated on the first row that has a section (most exports record whole days). */
  section: Int32Array | undefined;
  /** Line in the source file and which file (see DatasetBuilder.attendanceOrigin). */
  line = new Int32Array(1024);
  origin = new Uint8Array(1024);

  add(
    student: number,
    day: number,
    status: number,
    minutes: number,
    section: number,
    line: number,
    origin: number,
  ): void {
    const i = this.length;
    if (i === this.student.length) this.reserve(i * 2);
    this.student[i] = student;
    this.day[i] = day;
    this.status[i] = status;
    if (minutes !== -1 && !this.minutes) this.minutes = this.unset();
    if (this.minutes) this.minutes[i] = minutes;
    if (section !== -1 && !this.section) this.section = this.unset();
    if (this.section) this.section[i] = section;
    this.line[i] = line;
    this.origin[i] = origin;
    this.length = i + 1;
  }

  /** A column of -1 ("not recorded") as long as the others. */
  private unset(): Int32Array {
    return new Int32Array(this.student.length).fill(-1);
  }

  reserve(size: number): void {
    if (size <= this.student.length) return;
    this.student = grown(this.student, size);
    this.day = grown(this.day, size);
    this.status = grown(this.status, size);
    if (this.minutes) this.minutes = grown(this.minutes, size);
    if (this.section) this.section = grown(this.section, size);
    this.line = grown(this.line, size);
    this.origin = grown(this.origin, size);
  }

  /**
   * Writes every page of the columns' memory once, so that filling them later does not
   * wait on the operating system for fresh pages (a worker does this while it would
   * otherwise wait for the roster).
   */
  touch(): void {
    for (const column of [this.student, this.day, this.status, this.line, this.origin]) {
      column.fill(0, this.length);
    }
  }

  values() {
    const n = this.length;
    return {
      student: this.student.subarray(0, n),
      day: this.day.subarray(0, n),
      status: this.status.subarray(0, n),
      minutes: this.minutes?.subarray(0, n),
      section: this.section?.subarray(0, n),
      line: this.line.subarray(0, n),
      origin: this.origin.subarray(0, n),
    };
  }
}

export class ActivityColumns {
  length = 0;
  student = new Int32Array(1024);
  day = new Int32Array(1024);
  source = new Uint16Array(1024);
  kind = new Uint16Array(1024);
  count = new Float64Array(1024);

  /**
   * Activity columns in the memory of attendance columns that are done with: a worker
   * reads activity after attendance, and writing into memory already in use is much
   * cheaper than into fresh pages, and keeps the attendance columns from lingering beside
   * the activity ones until the next garbage collection. Student and day take the
   * attendance columns of the same type, source and kind share the line column's memory
   * (four bytes a row), and only the counts are new.
   */
  static reusing(done: AttendanceColumns): ActivityColumns {
    const c = new ActivityColumns();
    const n = done.student.length;
    const line = done.line;
    c.student = done.student;
    c.day = done.day;
    c.source = new Uint16Array(line.buffer, line.byteOffset, n);
    c.kind = new Uint16Array(line.buffer, line.byteOffset + 2 * n, n);
    c.count = new Float64Array(n);
    return c;
  }

  add(student: number, day: number, source: number, kind: number, count: number): void {
    const i = this.length;
    if (i === this.student.length) this.reserve(i * 2);
    this.student[i] = student;
    this.day[i] = day;
    this.source[i] = source;
    this.kind[i] = kind;
    this.count[i] = count;
    this.length = i + 1;
  }

  reserve(size: number): void {
    if (size <= this.student.length) return;
    this.student = grown(this.student, size);
    this.day = grown(this.day, size);
    this.source = grown(this.source, size);
    this.kind = grown(this.kind, size);
    this.count = grown(this.count, size);
  }

  values() {
    const n = this.length;
    return {
      student: this.student.subarray(0, n),
      day: this.day.subarray(0, n),
      source: this.source.subarray(0, n),
      kind: this.kind.subarray(0, n),
      count: this.count.subarray(0, n),
    };
  }
}

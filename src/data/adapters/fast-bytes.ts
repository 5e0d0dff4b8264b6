/**
 * The byte-level fast path for the canonical attendance and activity files. A row is
 * taken here only when it is in plain canonical form (no white space at field edges,
 * ASCII where it matters, lower-case status and source, a known student); anything else
 * is declined and goes through `fast-rows.ts`, which matches the zod schemas exactly.
 * So this path changes speed, never results: tests/data/event-import.test.ts imports
 * the same files with and without it, and in parallel, and compares.
 */
import { ByteKeyMap } from "../bytes/byte-key-map.ts";
import { idProblem } from "../ids.ts";
import { STATUS_CODE } from "../statuses.ts";
import type { EventSink } from "./event-rows.ts";
import type { FastColumns } from "./fast-rows.ts";

const encoder = new TextEncoder();
/** Status names as bytes, indexed by status code. */
const STATUS_BYTES = Object.entries(STATUS_CODE)
  .sort(([, a], [, b]) => a - b)
  .map(([name]) => encoder.encode(name));

/** The status code of a lower-case status field, or -1. */
function statusOf(buf: Uint8Array, s: number, e: number): number {
  const length = e - s;
  let code: number;
  // present/partial, excused_absence/early_departure share a length: the first or second letter decides.
  switch (buf[s]) {
    case 112: // p
      code = buf[s + 1] === 114 ? STATUS_CODE.present : STATUS_CODE.partial;
      break;
    case 116: // t
      code = STATUS_CODE.tardy;
      break;
    case 101: // e
      code = buf[s + 1] === 120 ? STATUS_CODE.excused_absence : STATUS_CODE.early_departure;
      break;
    case 117: // u
      code = STATUS_CODE.unexcused_absence;
      break;
    default:
      return -1;
  }
  const name = STATUS_BYTES[code];
  if (name.length !== length) return -1;
  for (let i = 1; i < length; i++) if (name[i] !== buf[s + i]) return -1;
  return code;
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` field, or -1 (H. Hinnant's days_from_civil). */
function dayOf(buf: Uint8Array, s: number, e: number): number {
  if (e - s !== 10 || buf[s + 4] !== 45 || buf[s + 7] !== 45) return -1;
  let y = 0;
  for (let i = s; i < s + 4; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return -1;
    y = y * 10 + c;
  }
  const m1 = buf[s + 5] - 48;
  const m2 = buf[s + 6] - 48;
  const d1 = buf[s + 8] - 48;
  const d2 = buf[s + 9] - 48;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return -1;
  const m = m1 * 10 + m2;
  const d = d1 * 10 + d2;
  if (m < 1 || m > 12 || d < 1) return -1;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const dim = m === 2 ? (leap ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
  if (d > dim) return -1;
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** A whole number of ASCII digits, or -1. */
function wholeNumber(buf: Uint8Array, s: number, e: number): number {
  if (e === s || e - s > 15) return -1;
  let n = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** True when a field needs the string path's trimming (white space or non-ASCII at an edge). */
function untidy(buf: Uint8Array, s: number, e: number): boolean {
  if (e === s) return false;
  const a = buf[s];
  const b = buf[e - 1];
  return a <= 32 || a >= 0x80 || b <= 32 || b >= 0x80;
}

/** Remembers the last date field, since exports usually repeat one date over many rows. */
class DateCache {
  private readonly bytes = new Uint8Array(10);
  private day = -1;
  get(buf: Uint8Array, s: number, e: number): number {
    if (e - s === 10 && this.day >= 0) {
      let i = 0;
      while (i < 10 && this.bytes[i] === buf[s + i]) i++;
      if (i === 10) return this.day;
    }
    const day = dayOf(buf, s, e);
    if (day >= 0) {
      this.bytes.set(buf.subarray(s, e));
      this.day = day;
    }
    return day;
  }
}

/**
 * Interns a field's bytes through `intern` (a builder's interner), caching by bytes. With
 * `accept`, a value seen for the first time is checked: -1 when it fails (the row then
 * takes the string path, which rejects it), so only checked values are ever cached.
 */
class ByteInterner {
  private readonly map = new ByteKeyMap(16);
  constructor(
    private readonly intern: (value: string) => number,
    private readonly accept?: (value: string) => boolean,
  ) {}
  get(buf: Uint8Array, s: number, e: number): number {
    const known = this.map.get(buf, s, e);
    if (known >= 0) return known;
    const value = Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString("utf8");
    if (this.accept && !this.accept(value)) return -1;
    const index = this.intern(value);
    this.map.set(value, index);
    return index;
  }
}

export function studentKeys(ids: readonly string[]): ByteKeyMap {
  const map = new ByteKeyMap(ids.length);
  ids.forEach((id, i) => {
    map.set(id, i);
  });
  return map;
}

/** A byte-level handler for a file's plain rows: true when it took the row. */
export type FastRow = (
  buf: Uint8Array,
  starts: Int32Array,
  ends: Int32Array,
  count: number,
  line: number,
) => boolean;

export function attendanceFastPath(sink: EventSink, cols: FastColumns): FastRow {
  const dates = new DateCache();
  // Student ids need no check here: only ids accepted from the roster are in `students`.
  const sections = new ByteInterner(
    (id) => sink.internSection(id),
    (id) => idProblem(id, "section_id") === undefined,
  );
  const students = sink.students;
  return (buf, starts, ends, count, line) => {
    if (count !== cols.width) return false;
    let s = starts[cols.student_id];
    let e = ends[cols.student_id];
    if (e === s || untidy(buf, s, e)) return false;
    const student = students.get(buf, s, e);
    if (student < 0) return false;
    const day = dates.get(buf, starts[cols.date], ends[cols.date]);
    if (day < 0) return false;
    const status = statusOf(buf, starts[cols.status], ends[cols.status]);
    if (status < 0) return false;
    let minutes = -1;
    if (cols.minutes >= 0 && ends[cols.minutes] > starts[cols.minutes]) {
      minutes = wholeNumber(buf, starts[cols.minutes], ends[cols.minutes]);
      if (minutes < 0) return false;
    }
    let section = -1;
    if (cols.section_id >= 0) {
      s = starts[cols.section_id];
      e = ends[cols.section_id];
      if (e > s) {
        if (untidy(buf, s, e)) return false;
        section = sections.get(buf, s, e);
        if (section < 0) return false;
      }
    }
    sink.addAttendance(student, day, status, minutes, section, line);
    return true;
  };
}

export function activityFastPath(sink: EventSink, cols: FastColumns): FastRow {
  const dates = new DateCache();
  const sources = new ByteInterner((source) => sink.internSource(source));
  const kinds = new ByteInterner((kind) => sink.internKind(kind));
  const students = sink.students;
  let defaultKind = -1;
  return (buf, starts, ends, count) => {
    if (count !== cols.width) return false;
    let s = starts[cols.student_id];
    let e = ends[cols.student_id];
    if (e === s || untidy(buf, s, e)) return false;
    const student = students.get(buf, s, e);
    if (student < 0) return false;
    const day = dates.get(buf, starts[cols.date], ends[cols.date]);
    if (day < 0) return false;
    s = starts[cols.source];
    e = ends[cols.source];
    if (e === s) return false;
    for (let i = s; i < e; i++) {
      const c = buf[i];
      // Lower-case ASCII letters, digits and - _ . only: anything else takes the string path.
      if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95 || c === 46))
        return false;
    }
    const source = sources.get(buf, s, e);
    let kind: number;
    if (cols.kind >= 0 && ends[cols.kind] > starts[cols.kind]) {
      s = starts[cols.kind];
      e = ends[cols.kind];
      if (untidy(buf, s, e)) return false;
      kind = kinds.get(buf, s, e);
    } else {
      if (defaultKind < 0) defaultKind = sink.internKind("activity");
      kind = defaultKind;
    }
    let n = 1;
    if (cols.count >= 0 && ends[cols.count] > starts[cols.count]) {
      n = wholeNumber(buf, starts[cols.count], ends[cols.count]);
      if (n < 0) return false;
    }
    sink.addActivity(student, day, source, kind, n);
    return true;
  };
}

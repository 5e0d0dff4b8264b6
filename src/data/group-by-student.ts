/**
 * Groups event columns by student with a counting sort (linear in rows), so a metric reads
 * one student's events as one contiguous slice. Attendance is then ordered by day and
 * section within each student and de-duplicated: two rows for the same student, day and
 * section are one session. The kept row does not depend on input order (the most serious
 * status wins), which keeps evaluation deterministic under shuffled input.
 */
import type { ActivityLog, AttendanceLog } from "./dataset.ts";
import type { RejectionCode } from "./import-report.ts";

interface AttendanceColumns {
  student: Int32Array;
  day: Int32Array;
  status: Uint8Array;
  minutes: Int32Array;
  section: Int32Array;
  line: Int32Array;
  origin: Uint8Array;
}

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
  for (let i = 0; i < student.length; i++) start[(student[i] as number) + 1]++;
  for (let s = 0; s < nStudents; s++) start[s + 1] += start[s] as number;
  return start;
}

function countingOrder(start: Int32Array, student: Int32Array): Int32Array {
  const next = start.slice(0, start.length - 1);
  const order = new Int32Array(student.length);
  for (let i = 0; i < student.length; i++) {
    const s = student[i] as number;
    order[next[s] as number] = i;
    next[s]++;
  }
  return order;
}

export function groupAttendance(
  nStudents: number,
  cols: AttendanceColumns,
  onDropped: OnDropped,
): AttendanceLog {
  const start = studentOffsets(nStudents, cols.student);
  const order = countingOrder(start, cols.student);
  const { day, section, status, line } = cols;
  const before = (a: number, b: number): number =>
    (day[a] as number) - (day[b] as number) ||
    (section[a] as number) - (section[b] as number) ||
    (status[b] as number) - (status[a] as number) ||
    (cols.minutes[b] as number) - (cols.minutes[a] as number) ||
    (line[a] as number) - (line[b] as number);

  for (let s = 0; s < nStudents; s++) {
    const a = start[s] as number;
    const b = start[s + 1] as number;
    let sorted = true;
    for (let k = a + 1; k < b && sorted; k++) {
      if (before(order[k - 1] as number, order[k] as number) > 0) sorted = false;
    }
    if (!sorted) order.set(Array.from(order.subarray(a, b)).sort(before), a);
  }

  const n = cols.student.length;
  const out = {
    student: new Int32Array(n),
    day: new Int32Array(n),
    status: new Uint8Array(n),
    minutes: new Int32Array(n),
    section: new Int32Array(n),
  };
  const outStart = new Int32Array(nStudents + 1);
  let w = 0;
  for (let s = 0; s < nStudents; s++) {
    outStart[s] = w;
    let kept = -1;
    for (let k = start[s] as number; k < (start[s + 1] as number); k++) {
      const i = order[k] as number;
      if (kept >= 0 && day[i] === day[kept] && section[i] === section[kept]) {
        onDropped(
          {
            line: line[i] as number,
            origin: cols.origin[i] as number,
            status: status[i] as number,
          },
          {
            line: line[kept] as number,
            origin: cols.origin[kept] as number,
            status: status[kept] as number,
          },
          status[i] === status[kept] ? "duplicate" : "conflict",
        );
        continue;
      }
      kept = i;
      out.student[w] = s;
      out.day[w] = day[i] as number;
      out.status[w] = status[i] as number;
      out.minutes[w] = cols.minutes[i] as number;
      out.section[w] = section[i] as number;
      w++;
    }
  }
  outStart[nStudents] = w;
  return {
    length: w,
    start: outStart,
    student: out.student.subarray(0, w),
    day: out.day.subarray(0, w),
    status: out.status.subarray(0, w),
    minutes: out.minutes.subarray(0, w),
    section: out.section.subarray(0, w),
  };
}

interface ActivityColumns {
  student: Int32Array;
  day: Int32Array;
  source: Uint16Array;
  kind: Uint16Array;
  count: Float64Array;
}

export function groupActivity(nStudents: number, cols: ActivityColumns): ActivityLog {
  const start = studentOffsets(nStudents, cols.student);
  const order = countingOrder(start, cols.student);
  const n = order.length;
  const student = new Int32Array(n);
  const day = new Int32Array(n);
  const source = new Uint16Array(n);
  const kind = new Uint16Array(n);
  const count = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    student[k] = cols.student[i] as number;
    day[k] = cols.day[i] as number;
    source[k] = cols.source[i] as number;
    kind[k] = cols.kind[i] as number;
    count[k] = cols.count[i] as number;
  }
  return { length: n, start, student, day, source, kind, count };
}

/**
 * A worker thread that reads one part of a canonical attendance or activity file into
 * its own columns, through the same row handlers as the main thread (event-rows.ts),
 * counts its rows per student, and — once the main thread has every part's counts and
 * says where its rows go — writes them into the data set's columns, which every worker
 * of the import shares (data/place-by-student.ts).
 */
import { parentPort } from "node:worker_threads";
import { type EventSink, eventHandlers } from "../adapters/event-rows.ts";
import { studentKeys } from "../adapters/fast-bytes.ts";
import type { ByteKeyMap } from "../bytes/byte-key-map.ts";
import { readCsvBytes } from "../bytes/csv-bytes.ts";
import { ActivityColumns, AttendanceColumns } from "../event-columns.ts";
import { Interner } from "../interner.ts";
import {
  countByStudent,
  placeActivityRows,
  placeAttendanceRows,
  placeLines,
} from "../place-by-student.ts";
import type {
  LinesMessage,
  PartCounted,
  PartJob,
  PlaceMessage,
  WorkerReply,
  WorkerRequest,
} from "./messages.ts";

let studentBytes: ByteKeyMap | undefined;
let studentIds: string[] = [];
/** Made on first use: only rows the byte-level path declines look a student up by string. */
let studentIndex: Map<string, number> | undefined;
let queue: Promise<void> = Promise.resolve();
/** Attendance columns made (and their memory first written) while the roster is read. */
let prepared: AttendanceColumns | undefined;
/** The columns of an attendance part once placed: the next activity part reuses them. */
let spare: AttendanceColumns | undefined;
/** Parts waiting to be told where their rows (or lines) go, by id. */
const waiting = new Map<number, (message: Addressed) => void>();

async function readPart(job: PartJob): Promise<void> {
  if (!studentBytes) throw new Error("event worker used before init");
  const sections = new Interner();
  const sources = new Interner();
  const kinds = new Interner();
  // Memory already written is reused: the columns made ready while the roster was read,
  // or (for activity) those of the attendance part before.
  const reusable = spare ?? prepared;
  const att = (job.kind === "attendance" && prepared) || new AttendanceColumns();
  const act =
    job.kind === "activity" && reusable ? ActivityColumns.reusing(reusable) : new ActivityColumns();
  prepared = undefined;
  spare = undefined;
  const rejections: PartCounted["rejections"] = [];
  const sink: EventSink = {
    students: studentBytes,
    studentIndexOf: (id) => {
      studentIndex ??= new Map(studentIds.map((s, i) => [s, i]));
      return studentIndex.get(id);
    },
    internSection: (id) => sections.intern(id),
    internSource: (source) => sources.intern(source),
    internKind: (kind) => kinds.intern(kind),
    addAttendance: (student, day, status, minutes, section, line) =>
      att.add(student, day, status, minutes, section, line, 0),
    addActivity: (student, day, source, kind, count) => act.add(student, day, source, kind, count),
    reject: (line, code, reason, field, raw) => {
      rejections.push({ line, code, reason, field, raw });
    },
  };
  const handlers = eventHandlers(job.kind, sink, job.cols);
  const result = await readCsvBytes(
    job.path,
    {
      header: () => true,
      fast: handlers.fast,
      row: (fields, line) => {
        handlers.row(fields, line);
      },
      error: (message, line) => {
        rejections.push({ line, code: "malformed_csv", reason: message });
      },
      rowsExpected: (n) => (job.kind === "attendance" ? att.reserve(n) : act.reserve(n)),
    },
    (bytesRead) =>
      port?.postMessage({ type: "progress", id: job.id, bytesRead } satisfies WorkerReply),
    job.range,
  );
  const rows = job.kind === "attendance" ? att.values() : act.values();
  const counts = countByStudent(studentIds.length, rows.student);
  const placed = next<PlaceMessage>(job.id);
  const counted: PartCounted = {
    type: "counted",
    id: job.id,
    lines: result.lines,
    quoted: result.quoted,
    accepted: rows.student.length,
    rejections,
    sections: sections.values,
    sources: sources.values,
    kinds: kinds.values,
    counts,
    minutes: att.minutes !== undefined,
    section: att.section !== undefined,
  };
  port?.postMessage(counted satisfies WorkerReply, [counts.buffer as ArrayBuffer]);
  // The main thread says where the rows go once every part of the file is counted.
  const { into } = await placed;
  let unordered: Int32Array = new Int32Array(0);
  if (into?.kind === "activity") placeActivityRows(act.values(), into.bases, into);
  if (into?.kind === "attendance") unordered = placeAttendanceRows(att.values(), into.bases, into);
  const lines = into?.kind === "attendance" ? next<LinesMessage>(job.id) : undefined;
  port?.postMessage({ type: "placed", id: job.id, unordered } satisfies WorkerReply, [
    unordered.buffer as ArrayBuffer,
  ]);
  if (!lines) return;
  // Line numbers are needed only if the main thread must settle the attendance.
  const { into: linesInto } = await lines;
  if (linesInto) placeLines(att.values(), linesInto.bases, linesInto);
  spare = att;
  port?.postMessage({ type: "lined", id: job.id } satisfies WorkerReply);
}

type Addressed = PlaceMessage | LinesMessage;

/** The next message about part `id` from the main thread. */
function next<M extends Addressed>(id: number): Promise<M> {
  return new Promise<M>((resolve) => waiting.set(id, resolve as (m: Addressed) => void));
}

const port = parentPort;
if (!port) throw new Error("event-worker.ts runs only as a worker thread");
port.on("message", (message: WorkerRequest) => {
  switch (message.type) {
    case "close":
      // Parts still waiting to be placed are dropped.
      for (const [id, answer] of waiting) answer({ type: "place", id });
      waiting.clear();
      queue = queue.then(() => port.close());
      return;
    case "prepare":
      prepared = new AttendanceColumns();
      prepared.reserve(message.attendanceRows);
      prepared.touch();
      return;
    case "init":
      studentBytes = studentKeys(message.studentIds);
      studentIds = message.studentIds;
      studentIndex = undefined;
      return;
    case "place":
    case "lines":
      waiting.get(message.id)?.(message);
      waiting.delete(message.id);
      return;
    default:
      queue = queue.then(async () => {
        try {
          await readPart(message);
        } catch (error) {
          const reply: WorkerReply = { type: "failed", id: message.id, message: String(error) };
          port.postMessage(reply);
        }
      });
  }
});

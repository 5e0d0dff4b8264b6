/**
 * A worker thread that reads one part of a canonical attendance or activity file into
 * its own columns, through the same row handlers as the main thread (event-rows.ts).
 */
import { parentPort } from "node:worker_threads";
import { type EventSink, eventHandlers } from "../adapters/event-rows.ts";
import { studentKeys } from "../adapters/fast-bytes.ts";
import type { ByteKeyMap } from "../bytes/byte-key-map.ts";
import { readCsvBytes } from "../bytes/csv-bytes.ts";
import { ActivityColumns, AttendanceColumns } from "../event-columns.ts";
import { groupActivityRows, groupAttendanceRows } from "../group-by-student.ts";
import { Interner } from "../interner.ts";
import type { PartColumns, PartJob, PartResult, WorkerReply, WorkerRequest } from "./messages.ts";

let studentBytes: ByteKeyMap | undefined;
let studentIds: string[] = [];
/** Made on first use: only rows the byte-level path declines look a student up by string. */
let studentIndex: Map<string, number> | undefined;
let studentCount = 0;
let queue: Promise<void> = Promise.resolve();

async function readPart(job: PartJob): Promise<{ reply: PartResult; transfer: ArrayBuffer[] }> {
  if (!studentBytes) throw new Error("event worker used before init");
  const sections = new Interner();
  const sources = new Interner();
  const kinds = new Interner();
  const att = new AttendanceColumns();
  const act = new ActivityColumns();
  const rejections: PartResult["rejections"] = [];
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
  // Group the part by student here, in parallel with the other parts; the main thread
  // then only joins the groups.
  let columns: PartColumns;
  if (job.kind === "attendance") {
    const g = groupAttendanceRows(studentCount, att.values());
    columns = { kind: "attendance", ...g };
  } else {
    const g = groupActivityRows(studentCount, act.values());
    columns = {
      kind: "activity",
      start: g.start,
      day: g.day,
      source: g.source,
      kind_: g.kind,
      count: g.count,
    };
  }
  const transfer = Object.values(columns)
    .filter((v): v is Exclude<typeof v, string | undefined> => typeof v === "object")
    .map((a) => a.buffer as ArrayBuffer);
  return {
    reply: {
      type: "part",
      id: job.id,
      lines: result.lines,
      quoted: result.quoted,
      accepted: job.kind === "attendance" ? att.length : act.length,
      rejections,
      sections: sections.values,
      sources: sources.values,
      kinds: kinds.values,
      columns,
    },
    transfer,
  };
}

const port = parentPort;
if (!port) throw new Error("event-worker.ts runs only as a worker thread");
port.on("message", (message: WorkerRequest) => {
  if (message.type === "close") {
    queue = queue.then(() => port.close());
    return;
  }
  if (message.type === "init") {
    studentBytes = studentKeys(message.studentIds);
    studentIds = message.studentIds;
    studentIndex = undefined;
    studentCount = message.studentIds.length;
    return;
  }
  queue = queue.then(async () => {
    try {
      const { reply, transfer } = await readPart(message);
      port.postMessage(reply satisfies WorkerReply, transfer);
    } catch (error) {
      const reply: WorkerReply = { type: "failed", id: message.id, message: String(error) };
      port.postMessage(reply);
    }
  });
});

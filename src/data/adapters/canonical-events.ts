/**
 * The canonical bundle's two large files, attendance.csv and activity.csv: read in one
 * piece through the byte-level fast path, or — when they are large and workers are
 * available — in parts on worker threads (data/parallel/), joined in file order so that
 * the data set and the report are exactly those of reading in one piece.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import type { ByteKeyMap } from "../bytes/byte-key-map.ts";
import type { DatasetBuilder } from "../dataset.ts";
import type { FileTally, ImportReport } from "../import-report.ts";
import { type EventWorkers, readHeaderLine } from "../parallel/event-workers.ts";
import type { PartCounted } from "../parallel/messages.ts";
import { shared } from "../place-by-student.ts";
import { headerKey } from "../rows.ts";
import {
  CANONICAL_FILES,
  type EntityFile,
  headerProblem,
  noteUnknownColumns,
  type Progress,
  readEntityFile,
  reportMissingFile,
} from "./canonical-files.ts";
import { type EventKind, type EventSink, eventHandlers, type RowHandlers } from "./event-rows.ts";
import { studentKeys } from "./fast-bytes.ts";
import { columnIndex } from "./fast-rows.ts";

/** Event files smaller than this are read in one piece: starting workers costs more. */
export const PARALLEL_MIN_BYTES = 32 << 20;

/** Reads attendance.csv and activity.csv of `dir` (those that exist) into the builder. */
export async function readEventFiles(
  dir: string,
  has: (spec: EntityFile) => boolean,
  b: DatasetBuilder,
  report: ImportReport,
  progress: Progress,
  workers: EventWorkers | undefined,
  parallelMinBytes: number,
): Promise<void> {
  const F = CANONICAL_FILES;
  // Both event files are handed to the workers at once; each is then added in order.
  const kinds = ["attendance", "activity"] as const;
  const inParts = new Map<EventKind, Promise<FileInParts | undefined>>();
  if (workers) {
    workers.init(b.studentIdList());
    for (const kind of kinds) {
      const path = join(dir, F[kind].file);
      if (has(F[kind]) && statSync(path).size >= parallelMinBytes) {
        // Attendance is queued before activity, so that it is joined while activity is read.
        const plan = await planParts(path, F[kind], workers);
        if (plan) inParts.set(kind, readInParts(kind, path, F[kind], plan, workers, progress));
      }
    }
  }
  let students: ByteKeyMap | undefined;
  let handlers: RowHandlers | undefined;
  for (const kind of kinds) {
    const spec: EntityFile = F[kind];
    if (!has(spec)) {
      reportMissingFile(dir, spec, report);
      continue;
    }
    const read = await inParts.get(kind);
    if (read && workers) {
      await addParts(kind, spec, read, report, b, workers);
      const size = statSync(join(dir, spec.file)).size;
      progress?.({ file: spec.file, bytesRead: size, totalBytes: size });
      continue;
    }
    const before = kind === "attendance" ? b.attendanceCount : b.activityCount;
    let fileTally: FileTally | undefined;
    await readEntityFile(
      dir,
      spec,
      report,
      (_header, fields, line) => handlers?.row(fields, line),
      progress,
      (header, tally) => {
        fileTally = tally;
        students ??= studentKeys(b.studentIdList());
        const origin = kind === "attendance" ? b.attendanceOrigin(tally) : 255;
        handlers = eventHandlers(
          kind,
          builderSink(b, tally, origin, students),
          columnIndex(header),
        );
        return handlers.fast;
      },
      (rows) => (kind === "attendance" ? b.reserveAttendance(rows) : b.reserveActivity(rows)),
    );
    handlers = undefined;
    // Every row the sink took was accepted (see EventSink).
    fileTally?.acceptMany((kind === "attendance" ? b.attendanceCount : b.activityCount) - before);
  }
  // The workers' memory goes back before the data set is built.
  await workers?.close();
}

interface FileInParts {
  names: string[];
  headerLine: number;
  parts: PartCounted[];
}

interface PartsPlan {
  names: string[];
  headerLine: number;
  bounds: number[];
}

/**
 * Where a large event file is cut for the workers. Undefined when it must be read in one
 * piece instead: a quote in its header, or a header the sequential reader must report on.
 */
async function planParts(
  path: string,
  spec: EntityFile,
  workers: EventWorkers,
): Promise<PartsPlan | undefined> {
  const head = await readHeaderLine(path);
  if (!head) return undefined;
  const names = head.fields.map(headerKey);
  if (headerProblem(spec, names, head.line)) return undefined;
  return { names, headerLine: head.line, bounds: await workers.cut(path, head.dataStart) };
}

/**
 * Reads a large event file in parts on worker threads. Undefined when the file must be
 * read in one piece instead: a quote in it, or a worker that failed.
 */
async function readInParts(
  kind: EventKind,
  path: string,
  spec: EntityFile,
  plan: PartsPlan,
  workers: EventWorkers,
  onProgress: Progress,
): Promise<FileInParts | undefined> {
  try {
    const parts = await workers.readParts(
      kind,
      path,
      plan.bounds,
      columnIndex(plan.names),
      (bytesRead, totalBytes) => onProgress?.({ file: spec.file, bytesRead, totalBytes }),
    );
    if (parts.some((p) => p.quoted)) {
      // The file is read in one piece instead: the workers drop their parts.
      await Promise.all(parts.map((p) => workers.place(p.id, undefined)));
      return undefined;
    }
    return { names: plan.names, headerLine: plan.headerLine, parts };
  } catch {
    return undefined;
  }
}

/**
 * Adds the parts of a file to the report (counts and rejections) and to the data set:
 * the workers write their rows straight into the data set's columns.
 */
async function addParts(
  kind: EventKind,
  spec: EntityFile,
  read: FileInParts,
  report: ImportReport,
  b: DatasetBuilder,
  workers: EventWorkers,
): Promise<void> {
  const tally = report.file(spec.file, spec.entity);
  noteUnknownColumns(spec, read.names, tally);
  const lineBases: number[] = [];
  let line = read.headerLine + 1;
  for (const part of read.parts) {
    for (const r of part.rejections) tally.reject(r.line + line, r.code, r.reason, r.field, r.raw);
    tally.acceptMany(part.accepted);
    lineBases.push(line);
    line += part.lines;
  }
  if (kind === "attendance") {
    const plan = b.planAttendance(read.parts);
    const placed = await Promise.all(
      read.parts.map((part, q) =>
        workers.place(part.id, {
          kind: "attendance",
          bases: plan.places.bases[q],
          columns: plan.columns,
          sectionIndex: plan.sectionIndex[q],
        }),
      ),
    );
    // Line numbers are written only when the rows must be settled (to report repeats).
    const unordered = b.attendanceUnordered(
      plan,
      placed.some((p) => p.unordered.length > 0),
    );
    const line = unordered ? shared(Int32Array, plan.places.length * 4) : undefined;
    await Promise.all(
      read.parts.map((part, q) =>
        workers.lines(
          part.id,
          line && { bases: plan.places.bases[q], line, lineBase: lineBases[q] },
        ),
      ),
    );
    b.attendancePlaced(plan, b.attendanceOrigin(tally), line);
  } else {
    const plan = b.planActivity(read.parts);
    await Promise.all(
      read.parts.map((part, q) =>
        workers.place(part.id, {
          kind: "activity",
          bases: plan.places.bases[q],
          columns: plan.columns,
          sourceIndex: plan.sourceIndex[q],
          kindIndex: plan.kindIndex[q],
        }),
      ),
    );
    b.activityPlaced(plan);
  }
}

/** Events go straight into the builder; rejections are reported on the file's tally. */
function builderSink(
  b: DatasetBuilder,
  tally: FileTally,
  origin: number,
  students: ByteKeyMap,
): EventSink {
  return {
    students,
    studentIndexOf: (id) => b.studentIndexOf(id),
    internSection: (id) => b.internSection(id),
    internSource: (source) => b.internSource(source),
    internKind: (kind) => b.internKind(kind),
    addAttendance: (student, day, status, minutes, section, line) =>
      b.addAttendance(student, day, status, minutes, section, line, origin),
    addActivity: (student, day, source, kind, count) =>
      b.addActivity(student, day, source, kind, count),
    reject: (line, code, reason, field, raw) => tally.reject(line, code, reason, field, raw),
  };
}

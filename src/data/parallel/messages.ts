/** What the main thread and an event worker say to each other. */

import type { EventKind } from "../adapters/event-rows.ts";
import type { FastColumns } from "../adapters/fast-rows.ts";
import type { ByteRange } from "../bytes/csv-bytes.ts";
import type { Rejection } from "../import-report.ts";
import type { ActivityPlacing, AttendancePlacing, LinePlacing } from "../place-by-student.ts";

export interface InitMessage {
  type: "init";
  /** Student ids in the data set's index order. */
  studentIds: string[];
}

/** Sent as the workers start: what to make ready while the roster is read. */
export interface PrepareMessage {
  type: "prepare";
  /** About how many attendance rows the worker's part will have. */
  attendanceRows: number;
}

export interface PartJob {
  type: "part";
  id: number;
  kind: EventKind;
  path: string;
  /** Lines of the part are numbered from 0; the main thread adds where the part starts. */
  range: ByteRange;
  cols: FastColumns;
}

/** No more work: the worker finishes what it has and exits. */
export interface CloseMessage {
  type: "close";
}

export type WorkerRequest =
  | PrepareMessage
  | InitMessage
  | PartJob
  | PlaceMessage
  | LinesMessage
  | CloseMessage;

/** What a part was read as, once read: its counts, names and rejections. */
export interface PartCounted {
  type: "counted";
  id: number;
  /** Lines in the part, to number the next one. */
  lines: number;
  /** The part has a quote: it cannot be read on its own, and its rows are not complete. */
  quoted: boolean;
  accepted: number;
  /** Rejections with lines relative to the part. */
  rejections: Omit<Rejection, "file">[];
  /** Names of the part's own section, source and kind numbers. */
  sections: string[];
  sources: string[];
  kinds: string[];
  /** Rows per student (by the data set's index). */
  counts: Int32Array;
  /** Whether any attendance row of the part records minutes, or a section. */
  minutes: boolean;
  section: boolean;
}

/**
 * Where the worker writes its part's rows: columns shared by every worker reading the
 * file, and where each student's rows of this part begin (see data/place-by-student.ts).
 * Without `into`, the part is dropped (the file is read in one piece instead).
 */
export interface PlaceMessage {
  type: "place";
  id: number;
  into?: PlaceInto;
}

/**
 * Sent after a placed attendance part: where its rows' line numbers go, when attendance
 * must be settled; without `into`, they are not needed. The worker then lets the part go.
 */
export interface LinesMessage {
  type: "lines";
  id: number;
  into?: { bases: Int32Array } & LinePlacing;
}

/** The part's line numbers are written (or were not needed). */
export interface PartLined {
  type: "lined";
  id: number;
}

export type PlaceInto =
  | ({ kind: "attendance"; bases: Int32Array } & AttendancePlacing)
  | ({ kind: "activity"; bases: Int32Array } & ActivityPlacing);

/** The part's rows are in place. */
export interface PartPlaced {
  type: "placed";
  id: number;
  /** Students whose rows in this part are not in order or repeat a session (attendance). */
  unordered: Int32Array;
}

/** Sent now and then while a part is read. */
export interface PartProgress {
  type: "progress";
  id: number;
  bytesRead: number;
}

export interface PartFailure {
  type: "failed";
  id: number;
  message: string;
}

export type WorkerReply = PartCounted | PartPlaced | PartLined | PartProgress | PartFailure;

/** What the main thread and an event worker say to each other. */

import type { EventKind } from "../adapters/event-rows.ts";
import type { FastColumns } from "../adapters/fast-rows.ts";
import type { ByteRange } from "../bytes/csv-bytes.ts";
import type { GroupedActivity, GroupedAttendance } from "../group-by-student.ts";
import type { Rejection } from "../import-report.ts";

export interface InitMessage {
  type: "init";
  /** Student ids in the data set's index order. */
  studentIds: string[];
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

export type WorkerRequest = InitMessage | PartJob | CloseMessage;

/** One part's rows, already grouped by student (their buffers are transferred, not copied). */
export type PartColumns =
  | ({ kind: "attendance" } & GroupedAttendance)
  | ({ kind: "activity" } & Omit<GroupedActivity, "kind"> & { kind_: Uint16Array });

export interface PartResult {
  type: "part";
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
  columns: PartColumns;
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

export type WorkerReply = PartResult | PartProgress | PartFailure;

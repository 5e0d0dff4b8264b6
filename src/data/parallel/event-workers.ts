/**
 * Reads a large canonical attendance or activity file in parts, one per worker thread,
 * so an import uses every core. The parts are split at line feeds; if any part holds a
 * quote (a quoted field may span lines, so a part cannot be read on its own) the caller
 * reads the file in one piece instead. The sequential reader stays the reference: the
 * tests compare both on the same files.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { EventKind } from "../adapters/event-rows.ts";
import type { FastColumns } from "../adapters/fast-rows.ts";
import type {
  LinesMessage,
  PartCounted,
  PartJob,
  PartLined,
  PartPlaced,
  PlaceInto,
  PlaceMessage,
  PrepareMessage,
  WorkerReply,
  WorkerRequest,
} from "./messages.ts";

export class EventWorkers {
  /** The workers, once their code is ready (see {@link workerCode}). */
  private readonly workers: Promise<Worker[]>;
  private readonly count: number;
  /** What each part waits for next (being counted, then placed), by part id. */
  private readonly waiting = new Map<
    number,
    {
      resolve: (r: PartCounted | PartPlaced | PartLined) => void;
      reject: (e: Error) => void;
      progress?: (bytes: number) => void;
    }
  >();
  /** The worker each part is read by. */
  private readonly readBy = new Map<number, number>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(count: number) {
    this.count = count;
    this.workers = workerCode().then((code) =>
      Array.from({ length: count }, () => this.start(code)),
    );
  }

  private start(code: string | undefined): Worker {
    const worker =
      code === undefined
        ? new Worker(new URL("./event-worker-entry.mjs", import.meta.url), { execArgv: [] })
        : new Worker(code, { eval: true, execArgv: [] });
    worker.on("message", (reply: WorkerReply) => {
      const waiter = this.waiting.get(reply.id);
      if (reply.type === "progress") {
        waiter?.progress?.(reply.bytesRead);
        return;
      }
      this.waiting.delete(reply.id);
      if (reply.type === "failed") waiter?.reject(new Error(reply.message));
      else waiter?.resolve(reply);
    });
    worker.on("error", (error) => this.fail(error));
    worker.on("exit", (code) => {
      if (code !== 0) this.fail(new Error(`event worker stopped with code ${code}`));
    });
    return worker;
  }

  get size(): number {
    return this.count;
  }

  /** Has each worker make ready what it can while the roster is read. */
  prepare(message: PrepareMessage): void {
    this.broadcast(message);
  }

  /** Sends `message` to every worker, once they are started (messages keep their order). */
  private broadcast(message: WorkerRequest): void {
    void this.workers.then((workers) => {
      for (const w of workers) w.postMessage(message);
    });
  }

  /** Sends the roster's ids, in index order (before any part: messages keep their order). */
  init(studentIds: string[]): void {
    this.broadcast({ type: "init", studentIds });
  }

  /** Where `path` (after its header) is cut: one part per worker. */
  cut(path: string, dataStart: number): Promise<number[]> {
    return splitAtLines(path, dataStart, this.count);
  }

  /**
   * Reads `path` in the parts `bounds` gives (from {@link cut}), one per worker, and
   * counts each part's rows per student. The parts are queued at once: each worker reads
   * its parts in the order they were asked. A worker then waits, before its next part,
   * until {@link place} says where this part's rows go: every part must be placed (or
   * dropped).
   */
  async readParts(
    kind: EventKind,
    path: string,
    bounds: number[],
    cols: FastColumns,
    onProgress?: (bytesRead: number, totalBytes: number) => void,
  ): Promise<PartCounted[]> {
    const dataStart = bounds[0];
    const total = bounds[bounds.length - 1];
    const done = bounds.slice(0, -1).map(() => 0);
    const jobs = bounds.slice(0, -1).map((start, k) =>
      this.run(
        k,
        {
          type: "part",
          id: this.nextId++,
          kind,
          path,
          range: { start, end: bounds[k + 1], firstLine: 0, stopAtQuote: true },
          cols,
        },
        (bytes) => {
          done[k] = bytes;
          onProgress?.(dataStart + done.reduce((a, b) => a + b, 0), total);
        },
      ),
    );
    const results = await Promise.allSettled(jobs);
    const counted = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const failed = results.find((r) => r.status === "rejected");
    if (failed) {
      // The parts that were read wait to be placed: drop them, so the workers go on.
      await Promise.all(counted.map((p) => this.place(p.id, undefined)));
      throw failed.reason;
    }
    return counted;
  }

  /**
   * Lets every worker finish and exit (or stops it, if it does not within a second).
   * Closing twice is harmless.
   */
  async close(): Promise<void> {
    this.closing ??= this.closeAll();
    await this.closing;
  }

  private closing: Promise<void> | undefined;

  private async closeAll(): Promise<void> {
    const workers = await this.workers;
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void w.terminate().then(() => resolve()), 1000);
            w.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            w.postMessage({ type: "close" } satisfies WorkerRequest);
          }),
      ),
    );
  }

  /**
   * Has the worker that read part `id` write its rows where `into` says (shared memory;
   * see data/place-by-student.ts), or drop them, without `into`.
   */
  place(id: number, into: PlaceInto | undefined): Promise<PartPlaced> {
    return this.ask(this.readBy.get(id) ?? 0, { type: "place", id, into }) as Promise<PartPlaced>;
  }

  /**
   * After a placed attendance part: has its worker write the rows' line numbers where
   * `into` says, when attendance must be settled, or let the part go, without `into`.
   */
  lines(id: number, into: LinesMessage["into"]): Promise<PartLined> {
    return this.ask(this.readBy.get(id) ?? 0, { type: "lines", id, into }) as Promise<PartLined>;
  }

  private run(k: number, job: PartJob, progress?: (bytes: number) => void): Promise<PartCounted> {
    this.readBy.set(job.id, k);
    return this.ask(k, job, progress) as Promise<PartCounted>;
  }

  private ask(
    k: number,
    message: PartJob | PlaceMessage | LinesMessage,
    progress?: (bytes: number) => void,
  ): Promise<PartCounted | PartPlaced | PartLined> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.set(message.id, { resolve, reject, progress });
      void this.workers.then((workers) => {
        workers[k % workers.length].postMessage(message satisfies WorkerRequest);
      });
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
  }
}

let bundled: Promise<string | undefined> | undefined;

/**
 * The worker's code as one CommonJS script, bundled once per process with esbuild (which
 * Reach's TypeScript loader, tsx, runs on): a worker started from it is ready in about
 * 60 ms, where one that registers the loader and compiles its modules takes about 400 ms
 * and a third of a second of CPU, while the main thread reads the roster. Undefined if
 * bundling fails; the workers then start through the loader (event-worker-entry.mjs).
 */
export function workerCode(): Promise<string | undefined> {
  bundled ??= (async () => {
    try {
      const { build } = await import("esbuild");
      const result = await build({
        entryPoints: [fileURLToPath(new URL("./event-worker.ts", import.meta.url))],
        bundle: true,
        format: "cjs",
        platform: "node",
        target: "node20",
        write: false,
        logLevel: "silent",
      });
      return result.outputFiles[0]?.text;
    } catch {
      return undefined;
    }
  })();
  return bundled;
}

/**
 * Byte offsets that cut `path[from..)` into `parts` pieces of about equal size, each
 * starting at the beginning of a line; the last offset is the file's size.
 */
export async function splitAtLines(path: string, from: number, parts: number): Promise<number[]> {
  const file = await open(path, "r");
  try {
    const size = (await file.stat()).size;
    const bounds = [from];
    const probe = Buffer.allocUnsafe(1 << 16);
    for (let k = 1; k < parts; k++) {
      let at = Math.max(bounds[k - 1], Math.floor(from + ((size - from) * k) / parts));
      for (;;) {
        const { bytesRead } = await file.read(probe, 0, probe.length, at);
        if (bytesRead === 0) {
          at = size;
          break;
        }
        const nl = probe.subarray(0, bytesRead).indexOf(10);
        if (nl >= 0) {
          at += nl + 1;
          break;
        }
        at += bytesRead;
      }
      bounds.push(at);
    }
    bounds.push(size);
    return bounds;
  } finally {
    await file.close();
  }
}

/**
 * About how many data rows `path` has after its first line, from the lines in its first
 * 64 KiB (a little over, as an import sizes its columns). 0 if it cannot tell.
 */
export function estimateRows(path: string): number {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const sample = Buffer.allocUnsafe(Math.min(size, 1 << 16));
    const read = readSync(fd, sample, 0, sample.length, 0);
    let lines = 0;
    let last = -1;
    for (let i = sample.indexOf(10); i >= 0 && i < read; i = sample.indexOf(10, i + 1)) {
      lines++;
      last = i;
    }
    if (lines < 2) return 0;
    const perRow = last / lines;
    return Math.ceil((size / perRow) * 1.02);
  } finally {
    closeSync(fd);
  }
}

export interface HeaderLine {
  fields: string[];
  line: number;
  /** Byte offset of the line after the header. */
  dataStart: number;
}

/**
 * The header row of a CSV file when it is plain (no quotes): its fields, its line number
 * (blank lines before it count) and where the data starts. Undefined otherwise.
 */
export async function readHeaderLine(path: string): Promise<HeaderLine | undefined> {
  const file = await open(path, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 16);
    const { bytesRead } = await file.read(buf, 0, buf.length, 0);
    let pos = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    let line = 1;
    while (pos < bytesRead) {
      const nl = buf.subarray(0, bytesRead).indexOf(10, pos);
      if (nl < 0) return undefined;
      const end = nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl;
      if (end > pos) {
        const text = buf.toString("utf8", pos, end);
        if (text.includes('"')) return undefined;
        return { fields: text.split(","), line, dataStart: nl + 1 };
      }
      line++;
      pos = nl + 1;
    }
    return undefined;
  } finally {
    await file.close();
  }
}

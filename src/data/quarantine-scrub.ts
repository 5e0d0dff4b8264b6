/**
 * Erasure reaches the quarantine files too: a row an import rejected (import-report.ts)
 * is kept as read, so it may hold a student's id, name or email long after the student
 * asked to be erased. `scrubQuarantine` rewrites each CSV file of the folder without the
 * rows that mention any of the needles.
 *
 * A needle matches whole: case-insensitively, and not as part of a longer word or number,
 * so erasing S0001 leaves the rows of S00012 alone. Records are split as CSV (a quoted
 * field may hold line breaks) and the kept ones are written back byte for byte. Each file
 * is replaced by a rename of a synced temporary file, so a crash leaves either the old
 * file or the new one, never a half-written one.
 */
import { randomBytes } from "node:crypto";
import type { Dirent } from "node:fs";
import { open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";

export interface QuarantineScrub {
  /** Files rewritten (those that had a row to remove). */
  files: number;
  rowsRemoved: number;
}

export async function scrubQuarantine(dir: string, needles: string[]): Promise<QuarantineScrub> {
  const wanted = [...new Set(needles.map((n) => n.trim().toLowerCase()))].filter((n) => n !== "");
  const result: QuarantineScrub = { files: 0, rowsRemoved: 0 };
  if (wanted.length === 0) return result;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return result;
    throw error;
  }
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.toLowerCase().endsWith(".csv")) continue;
    const path = join(dir, entry.name);
    const records = splitRecords(await readFile(path, "utf8"));
    // The first record is the header: a file without it would not read back.
    const kept = records.filter((r, i) => i === 0 || !wanted.some((n) => mentions(r, n)));
    if (kept.length === records.length) continue;
    await replaceFile(path, kept.join(""));
    result.files++;
    result.rowsRemoved += records.length - kept.length;
  }
  return result;
}

/** The file's records, each with its line ending, so that joining them gives the file. */
export function splitRecords(text: string): string[] {
  const records: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) quoted = !quoted;
    else if (c === 10 && !quoted) {
      records.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < text.length) records.push(text.slice(start));
  return records;
}

/** Whether `record` holds `needle` (lower case) as a whole word, quoted or not. */
function mentions(record: string, needle: string): boolean {
  const text = record.replaceAll('""', '"').toLowerCase();
  const word = /[\p{L}\p{N}]/u;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
    const before = text[at - 1];
    const after = text[at + needle.length];
    const startsWord = word.test(needle[0]) && before !== undefined && word.test(before);
    const endsWord = word.test(needle.at(-1) ?? "") && after !== undefined && word.test(after);
    if (!startsWord && !endsWord) return true;
  }
  return false;
}

async function replaceFile(path: string, content: string): Promise<void> {
  // Not named .csv, so a scrub interrupted here never reads its own leftovers.
  const temp = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    const handle = await open(temp, "wx");
    try {
      await handle.writeFile(content, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * A small unified-style line diff of two texts, for showing what a policy change does to
 * its file: the lines common to both found by a longest common subsequence, the changed
 * lines marked `-` and `+`, with a few lines of context around each change. A policy edit
 * touches a line or two, so the common start and end are set aside first and the
 * quadratic table is built only for the middle.
 */

export interface LineDiffOptions {
  /** The file's name on the `---` and `+++` lines; without it, no header lines. */
  file?: string;
  /** Unchanged lines shown around each change (default 3). */
  context?: number;
}

type Op = { kind: " " | "-" | "+"; line: string; oldNo: number; newNo: number };

/**
 * The largest middle (lines before × lines after) compared line by line; a bigger one is
 * shown as every old line removed and every new line added, which is still a true diff.
 */
const MAX_TABLE = 4_000_000;

/** The diff of `before` and `after`; the empty string when they are the same. */
export function lineDiff(before: string, after: string, options: LineDiffOptions = {}): string {
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffOps(a, b);
  const context = Math.max(0, Math.floor(options.context ?? 3));
  const out: string[] = [];
  if (options.file !== undefined) out.push(`--- ${options.file}`, `+++ ${options.file}`);
  for (const hunk of hunks(ops, context)) out.push(...hunk);
  return `${out.join("\n")}\n`;
}

/** Lines without their line feeds; a final line feed does not make an empty last line. */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function diffOps(a: readonly string[], b: readonly string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ops: Op[] = [];
  for (let i = 0; i < start; i++) ops.push({ kind: " ", line: a[i] ?? "", oldNo: i, newNo: i });
  ops.push(...middleOps(a, b, start, endA, endB));
  for (let i = endA, j = endB; i < a.length; i++, j++) {
    ops.push({ kind: " ", line: a[i] ?? "", oldNo: i, newNo: j });
  }
  return ops;
}

/** The lines between the common start and end, by a longest common subsequence. */
function middleOps(
  a: readonly string[],
  b: readonly string[],
  start: number,
  endA: number,
  endB: number,
): Op[] {
  const n = endA - start;
  const m = endB - start;
  const ops: Op[] = [];
  if (n * m > MAX_TABLE) {
    for (let i = 0; i < n; i++) {
      ops.push({ kind: "-", line: a[start + i] ?? "", oldNo: start + i, newNo: start });
    }
    for (let j = 0; j < m; j++) {
      ops.push({ kind: "+", line: b[start + j] ?? "", oldNo: endA, newNo: start + j });
    }
    return ops;
  }
  // lcs[i * (m + 1) + j]: the longest common subsequence of a[start + i..] and b[start + j..].
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] =
        a[start + i] === b[start + j]
          ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    const oldNo = start + i;
    const newNo = start + j;
    if (i < n && j < m && a[oldNo] === b[newNo]) {
      ops.push({ kind: " ", line: a[oldNo] ?? "", oldNo, newNo });
      i++;
      j++;
    } else if (
      j < m &&
      (i === n || (lcs[i * width + j + 1] ?? 0) >= (lcs[(i + 1) * width + j] ?? 0))
    ) {
      ops.push({ kind: "+", line: b[newNo] ?? "", oldNo, newNo });
      j++;
    } else {
      ops.push({ kind: "-", line: a[oldNo] ?? "", oldNo, newNo });
      i++;
    }
  }
  // Removals before additions within a run of changes, as unified diffs show them.
  return ordered(ops);
}

function ordered(ops: Op[]): Op[] {
  const out: Op[] = [];
  let removed: Op[] = [];
  let added: Op[] = [];
  const flush = () => {
    out.push(...removed, ...added);
    removed = [];
    added = [];
  };
  for (const op of ops) {
    if (op.kind === "-") removed.push(op);
    else if (op.kind === "+") added.push(op);
    else {
      flush();
      out.push(op);
    }
  }
  flush();
  return out;
}

/** `@@ -l,s +l,s @@` hunks, each change with `context` unchanged lines either side. */
function hunks(ops: readonly Op[], context: number): string[][] {
  const changed = ops.map((op, k) => (op.kind === " " ? -1 : k)).filter((k) => k >= 0);
  const out: string[][] = [];
  let k = 0;
  while (k < changed.length) {
    const first = changed[k] as number;
    let last = first;
    while (k + 1 < changed.length && (changed[k + 1] as number) - last <= 2 * context + 1) {
      k++;
      last = changed[k] as number;
    }
    k++;
    const from = Math.max(0, first - context);
    const to = Math.min(ops.length - 1, last + context);
    const slice = ops.slice(from, to + 1);
    const oldLines = slice.filter((op) => op.kind !== "+").length;
    const newLines = slice.filter((op) => op.kind !== "-").length;
    const head = ops[from] as Op;
    const oldStart = oldLines === 0 ? head.oldNo : head.oldNo + 1;
    const newStart = newLines === 0 ? head.newNo : head.newNo + 1;
    out.push([
      `@@ -${oldStart},${oldLines} +${newStart},${newLines} @@`,
      ...slice.map((op) => `${op.kind}${op.line}`),
    ]);
  }
  return out;
}

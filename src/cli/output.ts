/** Where a command writes: injectable so tests can capture output without spawning. */
export interface Output {
  log(line: string): void;
  error(line: string): void;
  /** Raw stdout (for exactly one JSON document). */
  write(text: string): void;
  /** Progress line on a terminal; ignored elsewhere. */
  progress(text: string | undefined): void;
}

export function processOutput(): Output {
  const tty = Boolean(process.stderr.isTTY);
  let shown = false;
  let last = 0;
  return {
    log: (line) => process.stdout.write(`${line}\n`),
    error: (line) => {
      if (shown) {
        process.stderr.write("\r\x1b[K");
        shown = false;
      }
      process.stderr.write(`${line}\n`);
    },
    write: (text) => process.stdout.write(text),
    progress: (text) => {
      if (!tty) return;
      if (text === undefined) {
        if (shown) process.stderr.write("\r\x1b[K");
        shown = false;
        return;
      }
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      process.stderr.write(`\r\x1b[K${text}`);
      shown = true;
    },
  };
}

/** Formats rows as a plain text table with a header rule. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "─".repeat(w))), ...rows.map(line)];
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

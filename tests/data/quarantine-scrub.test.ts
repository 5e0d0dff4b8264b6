/**
 * Scrubbing the quarantine folder for an erasure: the rows that mention the student go,
 * every other row stays byte for byte, and files without such a row are not touched.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ImportReport } from "../../src/data/import-report.ts";
import { scrubQuarantine, splitRecords } from "../../src/data/quarantine-scrub.ts";

const root = mkdtempSync(join(tmpdir(), "reach-quarantine-"));
let dirs = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(files: Record<string, string>): string {
  const dir = join(root, `q-${++dirs}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A quarantine file as an import writes it, rows with quotes and line breaks included. */
function quarantineFile(): string {
  const report = new ImportReport("canonical");
  const students = report.file("students.csv", "students");
  students.reject(2, "invalid_value", 'year "Y99" is not known', "year", "S0001,Ada Byron,Y99");
  students.reject(3, "missing_field", "id is missing", "id", ",Ada Byron,Y10");
  students.reject(4, "invalid_value", "bad email", "email", "S00012,Bea Cole,bea@x.org");
  const notes = report.file("events.csv", "events");
  notes.reject(7, "malformed_csv", "a line break\nin a field", "text", 'S0002,"two\nlines"');
  notes.reject(8, "duplicate", "duplicate row", undefined, "S0003,ADA@EXAMPLE.ORG");
  const path = join(root, `report-${++dirs}.csv`);
  report.writeQuarantine(path);
  return readFileSync(path, "utf8");
}

describe("scrubQuarantine", () => {
  it("removes the rows that mention the student and keeps every other row as it was", async () => {
    const text = quarantineFile();
    const records = splitRecords(text);
    expect(records.join("")).toBe(text);
    expect(records).toHaveLength(6);
    const dir = folder({ "canonical-2026-11-20.csv": text, "notes.txt": "S0001 Ada Byron\n" });

    const result = await scrubQuarantine(dir, ["S0001", "Ada Byron", "ada@example.org"]);
    expect(result).toEqual({ files: 1, rowsRemoved: 3 });
    const after = readFileSync(join(dir, "canonical-2026-11-20.csv"), "utf8");
    // The header, S00012 (not S0001: ids match whole) and the two-line row stay intact.
    expect(after).toBe([records[0], records[3], records[4]].join(""));
    expect(after).toContain('"two\nlines"');
    expect(after).not.toMatch(/Ada Byron|S0001,|ada@example\.org/i);
    // Only CSV files are scrubbed, and no temporary file is left behind.
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("S0001 Ada Byron\n");
    expect(readdirSync(dir).sort()).toEqual(["canonical-2026-11-20.csv", "notes.txt"]);
  });

  it("leaves a file that does not mention the student untouched", async () => {
    const text =
      "file,line,field,code,reason,raw\nstudents.csv,2,id,missing_field,id is missing,\n";
    const dir = folder({ "a.csv": text });
    const before = statSync(join(dir, "a.csv")).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    expect(await scrubQuarantine(dir, ["S0001"])).toEqual({ files: 0, rowsRemoved: 0 });
    expect(statSync(join(dir, "a.csv")).mtimeMs).toBe(before);
    expect(readFileSync(join(dir, "a.csv"), "utf8")).toBe(text);
  });

  it("scrubs every CSV file of the folder, and a file without a final line break", async () => {
    const dir = folder({
      "a.csv": "file,raw\nx.csv,S0001\nx.csv,S0002\n",
      "b.CSV": "file,raw\ny.csv,S0002\ny.csv,s0001",
    });
    expect(await scrubQuarantine(dir, ["S0001"])).toEqual({ files: 2, rowsRemoved: 2 });
    expect(readFileSync(join(dir, "a.csv"), "utf8")).toBe("file,raw\nx.csv,S0002\n");
    expect(readFileSync(join(dir, "b.CSV"), "utf8")).toBe("file,raw\ny.csv,S0002\n");
  });

  it("does nothing without a folder or without a needle", async () => {
    expect(await scrubQuarantine(join(root, "missing"), ["S0001"])).toEqual({
      files: 0,
      rowsRemoved: 0,
    });
    const dir = folder({ "a.csv": "file,raw\nx.csv,S0001\n" });
    // An empty needle would match every row.
    expect(await scrubQuarantine(dir, ["", "  "])).toEqual({ files: 0, rowsRemoved: 0 });
    expect(readFileSync(join(dir, "a.csv"), "utf8")).toBe("file,raw\nx.csv,S0001\n");
  });
});

/**
 * `reach policy history` in-process: the versions a real `reach run` recorded (the policy's
 * file as first run, then the same file edited by hand: two versions, the second with its
 * diff), newest first, as a table, `--diff` and `--json`; and its errors — no policy named,
 * a bad --limit, an option it does not take, a database that does not exist — each one line
 * and exit 1; a policy with no versions says so.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_ERROR, EXIT_OK } from "../../src/cli/exit-codes.ts";
import { main } from "../../src/cli/main.ts";
import type { Output } from "../../src/cli/output.ts";

const ROOT = join(import.meta.dirname, "../..");
const SAMPLE_POLICY = join(ROOT, "samples/teams-demo/northfield-policy.yaml");
const DATA = join(ROOT, "samples/demo-school");

let dir: string;
let db: string;
let policy: string;

async function reach(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const out: Output = {
    log: (line) => {
      stdout += `${line}\n`;
    },
    error: (line) => {
      stderr += `${line}\n`;
    },
    write: (text) => {
      stdout += text;
    },
    progress: () => {},
  };
  const code = await main(argv, out);
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "reach-policy-history-cli-"));
  db = join(dir, "reach.db");
  policy = join(dir, "northfield-policy.yaml");
  copyFileSync(SAMPLE_POLICY, policy);
  const run = (asOf: string) =>
    reach(
      "run",
      "--policy",
      policy,
      "--source",
      "canonical",
      "--data",
      DATA,
      "--as-of",
      asOf,
      "--db",
      db,
    );
  expect((await run("2027-01-28")).code).toBe(EXIT_OK);
  writeFileSync(policy, readFileSync(policy, "utf8").replace("below: 0.90 }", "below: 0.88 }"));
  expect((await run("2027-01-29")).code).toBe(EXIT_OK);
}, 120_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("reach policy history", () => {
  it("lists the run's versions newest first: the hand edit, then the first text", async () => {
    const r = await reach("policy", "history", "northfield", "--db", db);
    expect(r.code).toBe(EXIT_OK);
    const rows = r.stdout.split("\n").filter((l) => /^\d+\s/.test(l));
    expect(rows.map((l) => l.split(/\s+/)[0])).toEqual(["2", "1"]);
    expect(rows[0]).toContain("the file");
    expect(rows[0]).toContain("changed outside Reach");
    expect(rows[1]).toContain("first read by Reach");
    const diff = await reach("policy", "history", "northfield", "--diff", "--db", db);
    expect(diff.stdout).toContain("Version 2:");
    expect(diff.stdout).toContain("-        - { metric: attendance_rate, below: 0.90 }");
    expect(diff.stdout).toContain("+        - { metric: attendance_rate, below: 0.88 }");
    const json = await reach(
      "policy",
      "history",
      "northfield",
      "--json",
      "--limit",
      "1",
      "--db",
      db,
    );
    const parsed = JSON.parse(json.stdout) as { versions: { version: number; text: string }[] };
    expect(parsed.versions.map((v) => v.version)).toEqual([2]);
    expect(parsed.versions[0].text).toBe(readFileSync(policy, "utf8"));
  });

  it("says so for a policy with no versions", async () => {
    const r = await reach("policy", "history", "no-such-policy", "--db", db);
    expect(r.code).toBe(EXIT_OK);
    expect(r.stdout).toContain("No versions of policy no-such-policy");
  });

  it("answers each mistake in one line, exit 1", async () => {
    const none = await reach("policy", "history", "--db", db);
    expect([none.code, none.stderr.trim()]).toEqual([
      EXIT_ERROR,
      "reach policy history: name the policy: reach policy history <policy-id>",
    ]);
    const limit = await reach("policy", "history", "northfield", "--limit", "0", "--db", db);
    expect(limit.stderr.trim()).toBe(
      "reach policy history: --limit 0 is not a whole number from 1 to 10000",
    );
    const option = await reach("policy", "history", "northfield", "--as-of", "2027-01-29");
    expect(option.code).toBe(EXIT_ERROR);
    expect(option.stderr).toMatch(
      /^reach policy history: --as-of is not an option of reach policy history/,
    );
    const missing = await reach("policy", "history", "northfield", "--db", join(dir, "none.db"));
    expect(missing.code).toBe(EXIT_ERROR);
    expect(missing.stderr).toContain("no Reach database at");
    const two = await reach("policy", "history", "a", "b", "--db", db);
    expect(two.code).toBe(EXIT_ERROR);
  });
});

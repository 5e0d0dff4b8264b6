/**
 * One store, whatever folder `reach` is started from: the real command, from two working
 * folders that are not the Reach folder. The default database is `data/reach.db` in the
 * Reach folder (asserted from the help, never created: these tests write nothing there); a
 * relative `--db` or `REACH_DB` is taken from the working folder and shown absolute.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/reach.js");
const POLICY = join(ROOT, "samples/demo-policy.yaml");
const DATA = join(ROOT, "samples/demo-school");

/** Each test starts node with tsx (a second or more on a busy machine). */
const SLOW = 60_000;

let dir: string;
let first: string;
let second: string;

beforeAll(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "reach-location-")));
  first = join(dir, "first");
  second = join(dir, "second");
  mkdirSync(first);
  mkdirSync(second);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `reach` started in `cwd`, with no REACH_ variable but those given. */
async function reach(cwd: string, args: string[], env: Record<string, string> = {}) {
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("REACH_")) childEnv[k] = v;
  try {
    const { stdout, stderr } = await promisify(execFile)("node", [BIN, ...args], {
      cwd,
      env: { ...childEnv, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("the store's location does not depend on the working folder", () => {
  it(
    "the default is data/reach.db in the Reach folder, and the help says so",
    async () => {
      const r = await reach(first, ["help"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`else REACH_DB, else ${join(ROOT, "data", "reach.db")}`);
      expect(existsSync(join(first, "data"))).toBe(false);
    },
    SLOW,
  );

  it(
    "a relative --db is the working folder's; the same file, named absolutely, from elsewhere",
    async () => {
      const run = await reach(first, [
        "run",
        "--policy",
        POLICY,
        "--source",
        "canonical",
        "--data",
        DATA,
        "--as-of",
        "2027-01-29",
        "--db",
        "made/reach.db",
        "--json",
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(existsSync(join(first, "made", "reach.db"))).toBe(true);
      const { casesOpened } = JSON.parse(run.stdout) as { casesOpened: number };
      expect(casesOpened).toBeGreaterThan(0);

      const listed = await reach(second, ["cases", "list", "--json"], {
        REACH_DB: join(first, "made", "reach.db"),
      });
      expect(listed.code, listed.stderr).toBe(0);
      const { cases } = JSON.parse(listed.stdout) as { cases: { policyId: string }[] };
      expect(cases).toHaveLength(casesOpened);
      expect(new Set(cases.map((c) => c.policyId))).toEqual(new Set(["demo"]));
    },
    SLOW,
  );

  it(
    "a relative REACH_DB missing in this folder: an error with its absolute path, no new store",
    async () => {
      const r = await reach(second, ["cases", "list"], { REACH_DB: "made/reach.db" });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `reach cases list: no Reach database at ${join(second, "made", "reach.db")} (run \`reach run\` first, or check REACH_DB / --db)\n`,
      );
      expect(existsSync(join(second, "made"))).toBe(false);
    },
    SLOW,
  );
});

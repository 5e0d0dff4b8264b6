/**
 * A run killed with SIGKILL at random points, then run again, leaves exactly the cases,
 * outbox entries and rule state of a run that was never interrupted: nothing lost,
 * nothing doubled (SQLite store; a child process per attempt).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateBundle } from "../../bench/engine/generate.ts";
import { mulberry32 } from "../../bench/engine/prng.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

const ROOT = join(import.meta.dirname, "../..");
const CHILD = join(ROOT, "tests/run/apply-child.ts");
interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  /** From the store being open to the exit. */
  runMs: number;
}

function runChild(data: string, db: string, policy: string, asOf: string, killAfterMs?: number) {
  return new Promise<ChildResult>((resolve) => {
    const child: ChildProcess = spawn("node", ["--import", "tsx", CHILD, data, db, policy, asOf], {
      cwd: ROOT,
    });
    let out = "";
    let startedAt = 0;
    child.stdout?.on("data", (d) => {
      out += d;
      // The clock starts once the store is open, so a kill lands inside the run itself.
      if (startedAt === 0 && out.startsWith("started")) {
        startedAt = performance.now();
        if (killAfterMs !== undefined) setTimeout(() => child.kill("SIGKILL"), killAfterMs);
      }
    });
    child.stderr?.on("data", (d) => {
      out += d;
    });
    child.on("exit", (code, signal) =>
      resolve({ code, signal, out, runMs: performance.now() - startedAt }),
    );
  });
}

async function snapshot(db: string) {
  const store = openSqliteStore({ path: db });
  const cases = await store.listCases();
  const stored = await Promise.all(cases.map((c) => store.getCase(c.policyId, c.caseId)));
  const outbox = await store.listOutbox();
  const state = await store.loadRuleState("kill");
  await store.close();
  return { cases, stored, outbox, state };
}

describe("a run killed at random points and run again", () => {
  it("ends with the same cases, outbox and rule state as an uninterrupted run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reach-kill-"));
    const data = join(dir, "data");
    const bundle = generateBundle({ students: 1500, days: 60, seed: 11, out: data });
    const policy = join(dir, "policy.yaml");
    writeFileSync(
      policy,
      `policy: { id: kill, name: Kill test, schools: [sch1, sch2, sch3, sch4, sch5], timezone: Europe/London, schedule: "0 7 * * 1-5" }
rules:
  - { id: low, severity: high, when: { metric: attendance_rate, below: 0.9 } }
  - { id: quiet, severity: medium, when: { metric: days_since_activity, at_least: 5 } }
`,
    );
    const reference = join(dir, "reference.db");
    const clean = await runChild(data, reference, policy, bundle.asOf);
    expect(clean.code).toBe(0);
    const want = await snapshot(reference);
    expect(want.cases.length).toBeGreaterThan(100);
    expect(want.outbox).toHaveLength(want.cases.length);

    // Kill points drawn over the length of an uninterrupted run (seeded, so repeatable).
    const random = mulberry32(2024);
    const kills: string[] = [];
    let interrupted = 0;
    for (let attempt = 0; attempt < 6; attempt++) {
      const db = join(dir, `killed-${attempt}.db`);
      const delay = Math.floor(random() * clean.runMs);
      const killed = await runChild(data, db, policy, bundle.asOf, delay);
      // Killed, or finished first when the kill came too late: either way, run again.
      expect(killed.signal === "SIGKILL" || killed.code === 0).toBe(true);
      const partial = killed.signal === "SIGKILL" ? await snapshot(db) : want;
      const cut = JSON.stringify(partial) !== JSON.stringify(want);
      if (cut) interrupted++;
      kills.push(
        `${delay} ms${cut ? ` (${partial.cases.length} of ${want.cases.length} cases in)` : " (nothing left to do)"}`,
      );
      const resumed = await runChild(data, db, policy, bundle.asOf);
      expect(resumed.code, resumed.out).toBe(0);
      expect(await snapshot(db)).toEqual(want);
    }
    console.log(
      `uninterrupted run ${Math.round(clean.runMs)} ms; killed after ${kills.join(", ")}`,
    );
    // The test means something only if some kills landed inside the run.
    expect(interrupted).toBeGreaterThan(0);
  }, 180_000);
});

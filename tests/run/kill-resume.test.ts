/**
 * A run killed with SIGKILL at random points, then run again, leaves exactly the cases,
 * outbox entries and rule state of a run that was never interrupted: nothing lost,
 * nothing doubled — on SQLite, and on Cosmos DB (the real SDK against
 * @vercel/cosmosdb-server started here). A child process per attempt.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHttpsServer } from "@vercel/cosmosdb-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateBundle } from "../../bench/engine/generate.ts";
import { mulberry32 } from "../../bench/engine/prng.ts";
import { openStore } from "../../src/cli/open-store.ts";

const ROOT = join(import.meta.dirname, "../..");
const CHILD = join(ROOT, "tests/run/apply-child.ts");
interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  /** From the store being open to the exit. */
  runMs: number;
}

interface Target {
  name: string;
  /** The environment that makes the CLI's `openStore` open this attempt's store. */
  env(attempt: string): NodeJS.ProcessEnv;
}

function runChild(
  target: Target,
  attempt: string,
  data: string,
  db: string,
  policy: string,
  asOf: string,
  killAfterMs?: number,
) {
  return new Promise<ChildResult>((resolve) => {
    const child: ChildProcess = spawn("node", ["--import", "tsx", CHILD, data, db, policy, asOf], {
      cwd: ROOT,
      env: { ...process.env, ...target.env(attempt) },
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

async function snapshot(target: Target, attempt: string, db: string) {
  const store = await openStore(db, { ...process.env, ...target.env(attempt) });
  const cases = await store.listCases();
  const stored = await Promise.all(cases.map((c) => store.getCase(c.policyId, c.caseId)));
  // Delivery order across cases carries no meaning (a case's own entries stay in order):
  // compare by id.
  const outbox = (await store.listOutbox()).sort((a, b) => a.id.localeCompare(b.id));
  const state = await store.loadRuleState("kill");
  await store.close();
  return { cases, stored, outbox, state };
}

const server = createHttpsServer({ keepAlive: true });
let endpoint = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const TARGETS: Target[] = [
  { name: "SQLite", env: () => ({ REACH_STORE: "sqlite" }) },
  {
    name: "Cosmos DB",
    env: (attempt) => ({
      REACH_STORE: "cosmos",
      REACH_COSMOS_ENDPOINT: endpoint,
      REACH_COSMOS_KEY: "test-key",
      REACH_COSMOS_DATABASE: `kill-${attempt}`,
      REACH_COSMOS_LOOPBACK_TLS: "self-signed",
    }),
  },
];

describe.each(TARGETS)("a run killed at random points and run again ($name)", (target) => {
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
    const clean = await runChild(target, "reference", data, reference, policy, bundle.asOf);
    expect(clean.code).toBe(0);
    const want = await snapshot(target, "reference", reference);
    expect(want.cases.length).toBeGreaterThan(100);
    expect(want.outbox).toHaveLength(want.cases.length);

    // Kill points drawn over the length of an uninterrupted run (seeded, so repeatable).
    const random = mulberry32(2024);
    const kills: string[] = [];
    let interrupted = 0;
    for (let attempt = 0; attempt < 6; attempt++) {
      const db = join(dir, `killed-${attempt}.db`);
      const delay = Math.floor(random() * clean.runMs);
      const killed = await runChild(target, `${attempt}`, data, db, policy, bundle.asOf, delay);
      // Killed, or finished first when the kill came too late: either way, run again.
      expect(killed.signal === "SIGKILL" || killed.code === 0).toBe(true);
      const partial = killed.signal === "SIGKILL" ? await snapshot(target, `${attempt}`, db) : want;
      const cut = JSON.stringify(partial) !== JSON.stringify(want);
      if (cut) interrupted++;
      kills.push(
        `${delay} ms${cut ? ` (${partial.cases.length} of ${want.cases.length} cases in)` : " (nothing left to do)"}`,
      );
      const resumed = await runChild(target, `${attempt}`, data, db, policy, bundle.asOf);
      expect(resumed.code, resumed.out).toBe(0);
      const got = await snapshot(target, `${attempt}`, db);
      expect(got.cases).toEqual(want.cases);
      expect(got.stored).toEqual(want.stored);
      expect(got.outbox).toEqual(want.outbox);
      expect(got.state).toEqual(want.state);
    }
    console.log(
      `uninterrupted run ${Math.round(clean.runMs)} ms; killed after ${kills.join(", ")}`,
    );
    // The test means something only if some kills landed inside the run.
    expect(interrupted).toBeGreaterThan(0);
  }, 180_000);
});

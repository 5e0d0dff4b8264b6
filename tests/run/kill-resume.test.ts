/**
 * A run killed with SIGKILL, then run again at once, leaves exactly the cases, outbox
 * entries and rule state of a run that was never interrupted: nothing lost, nothing
 * doubled — on SQLite, and on Cosmos DB (the real SDK against @vercel/cosmosdb-server
 * started here). A child process per attempt.
 *
 * The kill points are chosen from what an uninterrupted run does, not from the clock, so
 * every kill lands inside the run however busy the machine is:
 * - before and after each kind of write the run makes to the store (the child kills
 *   itself there: `tests/run/apply-child.ts`);
 * - on Cosmos DB also in the middle of a write: the test kills the child when the
 *   server receives its n-th request, which the server then still carries out — the
 *   write happened, the run never heard so.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHttpsServer } from "@vercel/cosmosdb-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateBundle } from "../../bench/engine/generate.ts";
import { openStore } from "../../src/app/open-store.ts";

const ROOT = join(import.meta.dirname, "../..");
const CHILD = join(ROOT, "tests/run/apply-child.ts");

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  /** The store writes an uninterrupted child made, in order. */
  writes: string[];
}

interface Target {
  name: string;
  /** The environment that makes the CLI's `openStore` open this attempt's store. */
  env(attempt: string): NodeJS.ProcessEnv;
}

/** Requests the Cosmos DB server received from the running child, and a kill on the n-th. */
const requests = {
  count: 0,
  /** The index (1-based, in `count`) of each request that writes: POST, PUT, PATCH, DELETE. */
  writes: [] as number[],
  killOn: 0,
  child: undefined as ChildProcess | undefined,
};

function runChild(
  target: Target,
  attempt: string,
  args: { data: string; db: string; policy: string; asOf: string },
  kill?: { at?: string; onRequest?: number },
  env: NodeJS.ProcessEnv = {},
) {
  return new Promise<ChildResult>((resolve) => {
    const child: ChildProcess = spawn(
      process.execPath,
      ["--import", "tsx", CHILD, args.data, args.db, args.policy, args.asOf],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          ...target.env(attempt),
          ...(kill?.at !== undefined && { KILL_AT: kill.at }),
          ...env,
        },
      },
    );
    requests.count = 0;
    requests.writes = [];
    requests.killOn = kill?.onRequest ?? 0;
    requests.child = child;
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
    });
    child.stderr?.on("data", (d) => {
      out += d;
    });
    child.on("exit", (code, signal) => {
      requests.child = undefined;
      const writes = /^writes (.*)$/m.exec(out)?.[1]?.split(",") ?? [];
      resolve({ code, signal, out, writes });
    });
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
// Runs before the server's own handler: the request is still carried out after the kill.
server.prependListener("request", (req: IncomingMessage) => {
  if (requests.child === undefined) return;
  requests.count++;
  if (req.method !== "GET" && req.method !== "HEAD") requests.writes.push(requests.count);
  if (requests.count === requests.killOn) requests.child.kill("SIGKILL");
});
let endpoint = "";
const dir = mkdtempSync(join(tmpdir(), "reach-kill-"));
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
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

/**
 * Kills between the run's writes: once its record says running (nothing else written),
 * just before and just after its cases go in, and once the rule state is saved but the
 * record not yet closed.
 */
const STORE_KILL_POINTS = ["after:2", "before:4", "after:4", "after:5"];
/** Cosmos DB runs are slow on the test server: the two that differ most, then the requests. */
const COSMOS_STORE_KILL_POINTS = ["before:4", "after:5"];

/** The test's policy: low attendance, and (with `quiet`) no recent activity. */
function writePolicy(work: string, quiet: boolean): string {
  const path = join(work, "policy.yaml");
  writeFileSync(
    path,
    `policy: { id: kill, name: Kill test, schools: [sch1, sch2, sch3, sch4, sch5], timezone: Europe/London, schedule: "0 7 * * 1-5" }
rules:
  - { id: low, severity: high, when: { metric: attendance_rate, below: 0.9 } }
${quiet ? "  - { id: quiet, severity: medium, when: { metric: days_since_activity, at_least: 5 } }\n" : ""}`,
  );
  return path;
}

describe.each(TARGETS)("a run killed with SIGKILL and run again ($name)", (target) => {
  it("ends with the same cases, outbox and rule state as an uninterrupted run", async () => {
    const work = join(dir, target.name.replace(/\W/g, ""));
    const data = join(work, "data");
    const bundle = generateBundle({ students: 1500, days: 60, seed: 11, out: data });
    const policy = writePolicy(work, true);
    const args = (db: string) => ({ data, db, policy, asOf: bundle.asOf });
    const clean = await runChild(target, "reference", args(join(work, "reference.db")));
    expect(clean.code, clean.out).toBe(0);
    const cleanWrites = [...requests.writes];
    const want = await snapshot(target, "reference", join(work, "reference.db"));
    expect(want.cases.length).toBeGreaterThan(100);
    expect(want.outbox).toHaveLength(want.cases.length);
    // The run writes its record, finishes what a crash left, applies the findings, saves
    // the rule state and closes its record.
    expect(clean.writes).toEqual([
      "acquireLease",
      "saveRun",
      "finishInterrupted",
      "appendManyCaseEvents",
      "saveRuleState",
      "saveRun",
      "releaseLease",
    ]);

    const cosmos = target.name === "Cosmos DB";
    const kills: { at?: string; onRequest?: number }[] = (
      cosmos ? COSMOS_STORE_KILL_POINTS : STORE_KILL_POINTS
    ).map((at) => ({ at }));
    if (cosmos) {
      // Four writing requests spread over those of an uninterrupted run.
      expect(cleanWrites.length).toBeGreaterThan(8);
      for (let i = 0; i < 4; i++) {
        kills.push({ onRequest: cleanWrites[Math.floor((cleanWrites.length * (2 * i + 1)) / 8)] });
      }
    }
    let partway = 0;
    for (const [n, kill] of kills.entries()) {
      const attempt = `${n}`;
      const db = join(work, `killed-${n}.db`);
      const killed = await runChild(target, attempt, args(db), kill);
      const where = kill.at ?? `request ${kill.onRequest}`;
      expect(killed.signal, `killed at ${where}: ${killed.out}`).toBe("SIGKILL");
      const partial = await snapshot(target, attempt, db);
      // Some of the run's cases or outbox entries stored, not all.
      if (partial.cases.length > 0 && JSON.stringify(partial) !== JSON.stringify(want)) partway++;

      const resumed = await runChild(target, attempt, args(db));
      expect(resumed.code, `after a kill at ${where}: ${resumed.out}`).toBe(0);
      const got = await snapshot(target, attempt, db);
      expect(got.cases, where).toEqual(want.cases);
      expect(got.stored, where).toEqual(want.stored);
      expect(got.outbox, where).toEqual(want.outbox);
      expect(got.state, where).toEqual(want.state);
    }
    // On Cosmos DB a run's cases go in over many requests: some kills cut through them.
    if (cosmos) expect(partway).toBeGreaterThan(0);
  }, 300_000);
});

describe("a killed `reach run` and the next one, started at once", () => {
  it("takes the dead runner's lease over without waiting, and closes its record as failed", async () => {
    const work = join(dir, "takeover");
    const data = join(work, "data");
    const bundle = generateBundle({ students: 300, days: 30, seed: 5, out: data });
    const policy = writePolicy(work, false);
    const sqlite = TARGETS[0];
    const args = { data, db: join(work, "reach.db"), policy, asOf: bundle.asOf };
    const asProcess = { OWNER: "process" };
    // Killed once its run record says "running": it holds the date's lease.
    const killed = await runChild(sqlite, "takeover", args, { at: "after:2" }, asProcess);
    expect(killed.signal, killed.out).toBe("SIGKILL");
    const next = await runChild(sqlite, "takeover", args, undefined, asProcess);
    expect(next.code, next.out).toBe(0);

    const store = await openStore(args.db, { REACH_STORE: "sqlite" });
    const runs = await store.listRuns({ policyId: "kill" });
    const cases = await store.listCases();
    const outbox = await store.listOutbox();
    await store.close();
    expect(runs.map((r) => r.status).sort()).toEqual(["failed", "succeeded"]);
    const failed = runs.find((r) => r.status === "failed");
    expect(failed?.errors.join(" ")).toContain("stopped before it finished");
    expect(failed?.runId).not.toBe(runs.find((r) => r.status === "succeeded")?.runId);
    expect(cases.length).toBeGreaterThan(10);
    expect(outbox).toHaveLength(cases.length);

    // What an operator sees.
    const listed = execFileSync(
      process.execPath,
      [join(ROOT, "bin/reach.js"), "runs", "list", "--db", args.db],
      { encoding: "utf8", env: { ...process.env, REACH_STORE: "sqlite" } },
    );
    expect(listed).toMatch(/kill\s+\S+\s+succeeded/);
    expect(listed).toMatch(/kill\s+\S+\s+failed/);
    expect(listed).toContain("stopped before it finished");
  }, 120_000);
});

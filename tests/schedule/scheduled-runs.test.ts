/**
 * The scheduler with the real parts: policy files in a folder, the sample school, the
 * SQLite store, on a clock the test sets. Runs open the same cases a dry run finds, a day
 * that is not a school day is recorded as skipped, two runners on one store run a date
 * once, and a broken change to a policy file keeps the previous version and tells the
 * policy's channel once.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dryRun, PolicyCatalogue, ScheduledRuns } from "../../src/app/index.ts";
import { ADAPTERS } from "../../src/data/adapters/index.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { silentLogger } from "../../src/log.ts";
import { ManualClock, Scheduler } from "../../src/schedule/index.ts";
import { openSqliteStore, type Store } from "../../src/store/index.ts";

const DATA = "samples/demo-school";
let dir: string;
let policyFile: string;
let store: Store;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "reach-scheduled-"));
  await mkdir(join(dir, "policies"));
  policyFile = join(dir, "policies", "demo.yaml");
  await copyFile("samples/demo-policy.yaml", policyFile);
  store = openSqliteStore({ path: join(dir, "reach.db") });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function runner(owner: string, st: Store = store) {
  const catalogue = await PolicyCatalogue.open(join(dir, "policies"));
  return new ScheduledRuns({
    store: st,
    catalogue,
    importData: () => ADAPTERS.canonical.import(DATA),
    owner,
    log: silentLogger(),
  });
}

async function settle(clock: ManualClock, scheduler: Scheduler): Promise<void> {
  await scheduler.idle();
  for (let i = 0; i < 1000 && clock.waiting === 0; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe("scheduled runs on the sample school", () => {
  it("07:00 London on the last school day opens the cases a dry run finds; Saturday is skipped, recorded", async () => {
    const text = await readFile(policyFile, "utf8");
    await writeFile(policyFile, text.replace('schedule: "0 7 * * 1-5"', 'schedule: "0 7 * * *"'));
    const runs = await runner("serve:test:1");
    const clock = new ManualClock("2027-01-29T06:30:00Z"); // Friday, the data's last day
    // Thursday's run happened: no catch-up.
    await store.saveRun({
      runId: "earlier",
      policyId: "demo",
      asOf: "2027-01-28",
      startedAt: "2027-01-28T07:00:00.000Z",
      finishedAt: "2027-01-28T07:00:00.000Z",
      status: "succeeded",
      counts: {},
      errors: [],
    });
    const scheduler = new Scheduler({ clock, port: runs });
    await scheduler.start();
    await settle(clock, scheduler);
    expect(await store.listRuns({ policyId: "demo", asOf: "2027-01-29" })).toEqual([]);

    await clock.advanceTo("2027-01-29T07:00:00Z");
    await settle(clock, scheduler);
    const policy = (await PolicyCatalogue.open(join(dir, "policies"))).get("demo");
    if (policy === undefined) throw new Error("no policy");
    const expected = await dryRun({
      policy,
      source: "canonical",
      dataDir: DATA,
      asOf: parseIsoDate("2027-01-29") as number,
    });
    const [friday] = await store.listRuns({ policyId: "demo", asOf: "2027-01-29" });
    expect(friday).toMatchObject({ status: "succeeded", startedAt: "2027-01-29T07:00:00.000Z" });
    expect(friday.counts.casesOpened).toBe(expected.findings.length);
    // The import's counts too: every data row of the sample's six files (wc -l, less headers).
    expect(friday.counts).toMatchObject({
      rowsAccepted: 10043 + 17888 + 525 + 13 + 200 + 5,
      rowsRejected: 0,
    });
    expect((await store.listCases({ policyId: "demo" })).length).toBe(expected.findings.length);

    await clock.advanceTo("2027-01-30T07:00:00Z"); // Saturday
    await settle(clock, scheduler);
    await scheduler.stop();
    const saturday = await store.listRuns({ policyId: "demo", asOf: "2027-01-30" });
    expect(saturday.map((r) => [r.status, r.errors])).toEqual([
      ["skipped", ["2027-01-30 is not a school day for any of the policy's schools"]],
    ]);
  });

  it("two runners on one store, firing together: one run of the date", async () => {
    const second = openSqliteStore({ path: join(dir, "reach.db") });
    try {
      const a = await runner("serve:host-a:1");
      const b = await runner("serve:host-b:2", second);
      const request = {
        policyId: "demo",
        asOf: "2027-01-29",
        scheduledAt: "2027-01-29T07:00:00.000Z",
        reason: "scheduled" as const,
      };
      const never = new AbortController().signal;
      await Promise.all([a.run(request, never), b.run(request, never)]);
      // And again later (a catch-up after a restart): nothing more.
      await b.run({ ...request, reason: "catch-up" }, never);
      const runs = await store.listRuns({ policyId: "demo", asOf: "2027-01-29" });
      expect(runs.map((r) => r.status)).toEqual(["succeeded"]);
      expect(await a.hasRun("demo", "2027-01-29")).toBe(true);
    } finally {
      await second.close();
    }
  });

  it("a broken change keeps the previous version running and queues one notice for the policy's channel", async () => {
    const runs = await runner("serve:test:1");
    const text = await readFile(policyFile, "utf8");
    await writeFile(policyFile, text.replace("below: 0.90", "below: ninety"));
    const request = {
      policyId: "demo",
      asOf: "2027-01-29",
      scheduledAt: "2027-01-29T07:00:00.000Z",
      reason: "scheduled" as const,
    };
    await runs.run(request, new AbortController().signal);
    const [run] = await store.listRuns({ policyId: "demo", asOf: "2027-01-29" });
    expect(run.status).toBe("succeeded");
    const notices = await store
      .listOutbox({ policyId: "demo" })
      .then((all) => all.filter((e) => e.kind === "channel_notice"));
    expect(notices).toHaveLength(1);
    expect((notices[0].payload as { text: string }).text).toContain(
      "the previous version of policy demo keeps running",
    );
    // The next run, file unchanged: no second notice.
    await runs.run(
      { ...request, asOf: "2027-01-28", scheduledAt: "2027-01-28T07:00:00.000Z" },
      new AbortController().signal,
    );
    const after = (await store.listOutbox({ policyId: "demo" })).filter(
      (e) => e.kind === "channel_notice",
    );
    expect(after).toHaveLength(1);
  });
});

describe("a scheduled run on stale data", () => {
  it("is recorded as failed, opens no case, and tells the policy's channel once", async () => {
    const runs = await runner("serve:test:1");
    const request = {
      policyId: "demo",
      asOf: "2027-03-01",
      scheduledAt: "2027-03-01T07:00:00.000Z",
      reason: "scheduled" as const,
    };
    await runs.run(request, new AbortController().signal);
    await runs.run({ ...request, reason: "catch-up" }, new AbortController().signal);
    const recorded = await store.listRuns({ policyId: "demo", asOf: "2027-03-01" });
    // The same firing twice: one record.
    expect(recorded.map((r) => r.status)).toEqual(["failed"]);
    expect(recorded[0].errors.join("\n")).toMatch(/data ends 2027-01-29/);
    expect(await store.listCases({ policyId: "demo" })).toEqual([]);
    const notices = (await store.listOutbox({ policyId: "demo" })).filter(
      (e) => e.kind === "channel_notice",
    );
    expect(notices.map((n) => n.id)).toEqual(["run-refused:demo:2027-03-01"]);
    expect((notices[0].payload as { text: string }).text).toMatch(
      /^Reach did not run policy demo for 2027-03-01: the data does not fit the policy/,
    );
  });
});

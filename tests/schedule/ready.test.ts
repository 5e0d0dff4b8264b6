/**
 * `/health` and `/ready` of a running Reach whose scheduler runs on a clock the test sets:
 * before the first run `/ready` names the next one, after it the last run with its status
 * and counts; `/health` stays 200 when the store stops answering, `/ready` turns 503.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { realClock } from "../../src/delivery/index.ts";
import { silentLogger } from "../../src/log.ts";
import { ManualClock } from "../../src/schedule/index.ts";
import { openSqliteStore } from "../../src/store/index.ts";
import { startReach } from "../../src/teams/runtime.ts";
import { localConfig, until } from "../helpers/fake-connector.ts";

interface Ready {
  status: string;
  problems?: string[];
  scheduler: string;
  now: string;
  policies: {
    id: string;
    nextRunAt?: string;
    lastRun?: { asOf: string; status: string; counts: Record<string, number> };
  }[];
  outbox?: { pending: number; dead: number };
}

describe("/health and /ready", () => {
  const dir = mkdtempSync(join(tmpdir(), "reach-ready-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("show the schedule, the last run and the outbox; a store that does not answer makes Reach not ready", async () => {
    const store = openSqliteStore({ path: join(dir, "reach.db") });
    // Thursday evening after the day's run: no catch-up due (Thursday's run is recorded).
    await store.saveRun({
      runId: "thursday",
      policyId: "northfield",
      asOf: "2027-01-28",
      startedAt: "2027-01-28T07:00:00.000Z",
      finishedAt: "2027-01-28T07:00:01.000Z",
      status: "succeeded",
      counts: {},
      errors: [],
    });
    const clock = new ManualClock("2027-01-28T18:00:00Z");
    const reach = await startReach(localConfig(), {
      store,
      log: silentLogger(),
      clock,
      scheduler: true,
      // The delivery worker polls every 20 ms of real time, reading the test's time.
      delivery: { pollMs: 20, clock: { now: () => clock.now(), sleep: realClock.sleep } },
    });
    const get = async (path: string) => {
      const res = await fetch(new URL(path, reach.url));
      return { status: res.status, body: (await res.json()) as Ready };
    };
    try {
      // Catch-up at start posts Monday's weekly digest, which waits for a channel.
      await reach.scheduler?.idle();
      const before = await get("/ready");
      expect(before.status).toBe(200);
      expect(before.body).toMatchObject({
        status: "ready",
        scheduler: "on",
        now: "2027-01-28T18:00:00.000Z",
        outbox: { pending: 1, dead: 0 },
      });
      expect(before.body.policies).toEqual([
        {
          id: "northfield",
          schedule: "0 7 * * 1-5",
          timezone: "Europe/London",
          nextRunAt: "2027-01-29T07:00:00.000Z",
          nextDigestAt: "2027-02-01T08:00:00.000Z",
          lastRun: expect.objectContaining({ asOf: "2027-01-28", status: "succeeded" }),
        },
      ]);

      await clock.advanceTo("2027-01-29T07:00:00Z");
      await until(
        async () => (await get("/ready")).body.policies[0].lastRun?.asOf === "2027-01-29",
        "Friday's run on /ready",
      );
      const after = (await get("/ready")).body;
      expect(after.policies[0].lastRun).toMatchObject({
        asOf: "2027-01-29",
        status: "succeeded",
        counts: { casesOpened: 15 },
      });
      expect(after.policies[0].nextRunAt).toBe("2027-02-01T07:00:00.000Z");
      // No channel is linked: the 15 cards and the digest wait in the outbox.
      expect(after.outbox).toEqual({ pending: 16, dead: 0 });

      await store.close();
      const health = await get("/health");
      expect(health.status).toBe(200);
      expect(health.body.status).toBe("ok");
      const notReady = await get("/ready");
      expect(notReady.status).toBe(503);
      expect(notReady.body).toMatchObject({
        status: "not ready",
        problems: ["the store did not answer"],
      });
    } finally {
      await reach.close();
      await store.close().catch(() => undefined);
    }
  }, 60_000);
});

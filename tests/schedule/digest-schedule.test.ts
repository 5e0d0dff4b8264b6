/**
 * The weekly digest on the scheduler's clock: each policy's digest is posted when its
 * `digest` cron fires in the policy's time zone, dated the policy's local date; at start,
 * the latest digest time of the last 7 days is posted once unless it was posted already;
 * a policy without a digest (`digest: off`) posts none.
 */
import { describe, expect, it } from "vitest";
import {
  ManualClock,
  type PolicySchedule,
  type ScheduledRun,
  Scheduler,
  type SchedulerPort,
} from "../../src/schedule/index.ts";

interface Posted {
  policyId: string;
  date: string;
  at: string;
}

/** A port that records the digests asked for; a digest is posted once per policy and date. */
class DigestPort implements SchedulerPort {
  readonly digests: Posted[] = [];
  readonly runs: ScheduledRun[] = [];
  readonly posted = new Set<string>();
  readonly finished = new Set<string>();
  /** When set, posting fails (the data folder cannot be read, say). */
  failing = false;
  list: PolicySchedule[];

  constructor(list: PolicySchedule[]) {
    this.list = list;
  }
  schedules() {
    return this.list;
  }
  async isSchoolDay(_policyId: string, asOf: string) {
    const day = new Date(`${asOf}T12:00:00Z`).getUTCDay();
    return day !== 0 && day !== 6;
  }
  async hasRun(policyId: string, asOf: string) {
    return this.finished.has(`${policyId}:${asOf}`);
  }
  async run(request: ScheduledRun) {
    this.runs.push(request);
    this.finished.add(`${request.policyId}:${request.asOf}`);
  }
  async skip() {}
  async digest(policyId: string, date: string, at: string) {
    if (this.failing) throw new Error("the data folder could not be read");
    this.digests.push({ policyId, date, at });
    this.posted.add(`${policyId}:${date}`);
  }
  async hasDigest(policyId: string, date: string) {
    return this.posted.has(`${policyId}:${date}`);
  }
}

const london: PolicySchedule = {
  policyId: "p",
  schedule: "0 7 * * 1-5",
  timezone: "Europe/London",
  digest: "0 8 * * 1",
};

/** Lets the scheduler's loop reach its next sleep. */
async function settle(clock: ManualClock): Promise<void> {
  for (let i = 0; i < 1000 && clock.waiting < 1; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  expect(clock.waiting).toBeGreaterThanOrEqual(1);
}

async function started(
  port: SchedulerPort,
  clock: ManualClock,
  onError?: (error: unknown, policyId: string) => void,
): Promise<Scheduler> {
  const scheduler = new Scheduler({ clock, port, ...(onError && { onError }) });
  await scheduler.start();
  await scheduler.idle();
  await settle(clock);
  return scheduler;
}

async function advanceTo(clock: ManualClock, scheduler: Scheduler, to: string): Promise<void> {
  await clock.advanceTo(to);
  await settle(clock);
  await scheduler.idle();
}

describe("the weekly digest on the scheduler's clock", () => {
  it("Monday 08:00 in London fires once, dated that Monday", async () => {
    const clock = new ManualClock("2027-01-31T12:00:00Z"); // Sunday
    const port = new DigestPort([london]);
    port.posted.add("p:2027-01-25"); // last Monday's digest went out
    port.finished.add("p:2027-01-29");
    const scheduler = await started(port, clock);
    expect(port.digests).toEqual([]);
    expect(scheduler.status()[0].nextDigestAt).toBe("2027-02-01T08:00:00.000Z");

    await advanceTo(clock, scheduler, "2027-02-01T07:59:00Z");
    expect(port.digests).toEqual([]);
    await advanceTo(clock, scheduler, "2027-02-01T08:00:00Z");
    expect(port.digests).toEqual([
      { policyId: "p", date: "2027-02-01", at: "2027-02-01T08:00:00.000Z" },
    ]);
    // The rest of the week posts nothing more; the runs keep their own time.
    for (const day of ["02", "03", "04", "05", "06", "07"]) {
      await advanceTo(clock, scheduler, `2027-02-${day}T23:00:00Z`);
    }
    await scheduler.stop();
    expect(port.digests).toHaveLength(1);
    expect(port.runs.map((r) => r.asOf)).toEqual([
      "2027-02-01",
      "2027-02-02",
      "2027-02-03",
      "2027-02-04",
      "2027-02-05",
    ]);
  });

  it("reads the cron in the policy's time zone: 08:00 London in summer is 07:00 UTC", async () => {
    const clock = new ManualClock("2027-06-06T12:00:00Z"); // Sunday, British Summer Time
    const port = new DigestPort([london]);
    port.posted.add("p:2027-05-31");
    port.finished.add("p:2027-06-04");
    const scheduler = await started(port, clock);
    await advanceTo(clock, scheduler, "2027-06-07T09:00:00Z");
    await scheduler.stop();
    expect(port.digests).toEqual([
      { policyId: "p", date: "2027-06-07", at: "2027-06-07T07:00:00.000Z" },
    ]);
  });

  it("the date is the policy's own: Monday 00:30 in Sydney is still Sunday in UTC", async () => {
    const sydney: PolicySchedule = {
      policyId: "syd",
      schedule: "0 7 * * 1-5",
      timezone: "Australia/Sydney",
      digest: "30 0 * * 1",
    };
    const clock = new ManualClock("2027-01-30T12:00:00Z"); // Saturday
    const port = new DigestPort([sydney]);
    port.posted.add("syd:2027-01-25");
    port.finished.add("syd:2027-01-29");
    const scheduler = await started(port, clock);
    await advanceTo(clock, scheduler, "2027-01-31T14:00:00Z");
    await scheduler.stop();
    // 00:30 on Monday 1 February in Sydney (UTC+11) is 13:30 UTC on Sunday 31 January.
    expect(port.digests).toEqual([
      { policyId: "syd", date: "2027-02-01", at: "2027-01-31T13:30:00.000Z" },
    ]);
  });

  it("a start on Wednesday posts Monday's missed digest once; a second start posts nothing more", async () => {
    const clock = new ManualClock("2027-02-03T10:00:00Z"); // Wednesday
    const port = new DigestPort([london]);
    port.finished.add("p:2027-02-03");
    const first = await started(port, clock);
    expect(port.digests).toEqual([
      { policyId: "p", date: "2027-02-01", at: "2027-02-03T10:00:00.000Z" },
    ]);
    await advanceTo(clock, first, "2027-02-05T18:00:00Z");
    await first.stop();
    expect(port.digests).toHaveLength(1);

    // Restarted on Friday evening: Monday's digest is there, nothing to catch up.
    const second = await started(port, clock);
    await second.stop();
    expect(port.digests).toHaveLength(1);
  });

  it("catch-up looks back 7 days only, and posts only the latest digest time", async () => {
    const monthly: PolicySchedule = { ...london, digest: "0 8 1 * *" };
    const clock = new ManualClock("2027-02-20T10:00:00Z"); // 19 days after the 1st
    const port = new DigestPort([monthly]);
    port.finished.add("p:2027-02-19");
    const late = await started(port, clock);
    await late.stop();
    expect(port.digests).toEqual([]);

    // A daily digest, down for three days: only today's.
    const daily = new DigestPort([{ ...london, digest: "0 8 * * *" }]);
    daily.finished.add("p:2027-02-19");
    const scheduler = await started(daily, clock);
    await scheduler.stop();
    expect(daily.digests.map((d) => d.date)).toEqual(["2027-02-20"]);
  });

  it("a policy with its digest off posts none, and its runs go on", async () => {
    const off: PolicySchedule = {
      policyId: "p",
      schedule: "0 7 * * 1-5",
      timezone: "Europe/London",
    };
    const clock = new ManualClock("2027-02-03T10:00:00Z");
    const port = new DigestPort([off]);
    port.finished.add("p:2027-02-03");
    const scheduler = await started(port, clock);
    expect(scheduler.status()[0].nextDigestAt).toBeUndefined();
    await advanceTo(clock, scheduler, "2027-02-10T12:00:00Z");
    await scheduler.stop();
    expect(port.digests).toEqual([]);
    expect(port.runs.map((r) => r.asOf)).toEqual([
      "2027-02-04",
      "2027-02-05",
      "2027-02-08",
      "2027-02-09",
      "2027-02-10",
    ]);
  });

  it("a port that cannot post digests is left alone", async () => {
    const clock = new ManualClock("2027-02-03T10:00:00Z");
    const port = new DigestPort([london]);
    port.finished.add("p:2027-02-03");
    const plain: SchedulerPort = {
      schedules: () => port.schedules(),
      isSchoolDay: (id, asOf) => port.isSchoolDay(id, asOf),
      hasRun: (id, asOf) => port.hasRun(id, asOf),
      run: (request) => port.run(request),
      skip: async () => undefined,
    };
    const scheduler = await started(plain, clock);
    await advanceTo(clock, scheduler, "2027-02-08T09:00:00Z");
    await scheduler.stop();
    expect(port.digests).toEqual([]);
    expect(scheduler.status()[0].nextDigestAt).toBeUndefined();
  });

  it("a digest turned on, changed or off in the policy takes effect at the next look", async () => {
    const clock = new ManualClock("2027-02-01T09:00:00Z"); // Monday, after 08:00
    const port = new DigestPort([{ ...london, digest: undefined }]);
    port.finished.add("p:2027-02-01");
    const scheduler = await started(port, clock);
    expect(port.digests).toEqual([]);
    // Turned on as Friday 16:00: the next look picks it up.
    port.list = [{ ...london, digest: "0 16 * * 5" }];
    await advanceTo(clock, scheduler, "2027-02-05T17:00:00Z");
    expect(port.digests.map((d) => [d.date, d.at])).toEqual([
      ["2027-02-05", "2027-02-05T16:00:00.000Z"],
    ]);
    port.list = [{ ...london, digest: undefined }];
    await advanceTo(clock, scheduler, "2027-02-13T17:00:00Z");
    await scheduler.stop();
    expect(port.digests).toHaveLength(1);
  });

  it("a digest that fails is reported to onError, and the next week's is posted", async () => {
    const clock = new ManualClock("2027-01-31T12:00:00Z");
    const port = new DigestPort([london]);
    port.posted.add("p:2027-01-25");
    port.finished.add("p:2027-01-29");
    port.failing = true;
    const errors: string[] = [];
    const scheduler = await started(port, clock, (error, policyId) =>
      errors.push(`${policyId}: ${String(error)}`),
    );
    await advanceTo(clock, scheduler, "2027-02-01T09:00:00Z");
    expect(errors).toEqual(["p: Error: the data folder could not be read"]);
    port.failing = false;
    await advanceTo(clock, scheduler, "2027-02-08T09:00:00Z");
    await scheduler.stop();
    expect(port.digests.map((d) => d.date)).toEqual(["2027-02-08"]);
  });
});

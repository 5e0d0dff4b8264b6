import { describe, expect, it } from "vitest";
import {
  CronTimes,
  localDate,
  ManualClock,
  type PolicySchedule,
  type ScheduledRun,
  Scheduler,
  type SchedulerPort,
} from "../../src/schedule/index.ts";

/** A port that records what the scheduler asked for; runs finish when the test says. */
class RecordingPort implements SchedulerPort {
  readonly runs: ScheduledRun[] = [];
  readonly skips: { request: ScheduledRun; reason: string }[] = [];
  readonly finished = new Set<string>();
  readonly holidays = new Set<string>();
  readonly aborted: ScheduledRun[] = [];
  /** When set, runs wait for `release()`. */
  hold = false;
  private releases: (() => void)[] = [];
  list: PolicySchedule[];

  constructor(list: PolicySchedule[]) {
    this.list = list;
  }
  schedules() {
    return this.list;
  }
  async isSchoolDay(_policyId: string, asOf: string) {
    const day = new Date(`${asOf}T12:00:00Z`).getUTCDay();
    return day !== 0 && day !== 6 && !this.holidays.has(asOf);
  }
  async hasRun(policyId: string, asOf: string) {
    return this.finished.has(`${policyId}:${asOf}`);
  }
  async run(request: ScheduledRun, signal: AbortSignal) {
    this.runs.push(request);
    if (this.hold) {
      await new Promise<void>((resolve) => {
        this.releases.push(resolve);
        signal.addEventListener("abort", () => {
          this.aborted.push(request);
          resolve();
        });
      });
    }
    this.finished.add(`${request.policyId}:${request.asOf}`);
  }
  async skip(request: ScheduledRun, reason: string) {
    this.skips.push({ request, reason });
  }
  release() {
    for (const r of this.releases.splice(0)) r();
  }
}

const weekdays7: PolicySchedule = {
  policyId: "p",
  schedule: "0 7 * * 1-5",
  timezone: "Europe/London",
};

/** Lets the scheduler's loop reach its next sleep. */
async function settle(clock: ManualClock, sleepers = 1): Promise<void> {
  for (let i = 0; i < 1000 && clock.waiting < sleepers; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  expect(clock.waiting).toBeGreaterThanOrEqual(sleepers);
}

async function started(port: RecordingPort, clock: ManualClock): Promise<Scheduler> {
  const scheduler = new Scheduler({ clock, port });
  await scheduler.start();
  await settle(clock);
  return scheduler;
}

describe("CronTimes: node-cron's expression in the policy's time zone", () => {
  it("07:00 in London is 07:00 UTC in winter and 06:00 UTC in summer", () => {
    const times = new CronTimes("0 7 * * *", "Europe/London");
    // British Summer Time starts on Sunday 28 March 2027.
    const fired = times.between(
      Date.parse("2027-03-26T12:00:00Z"),
      Date.parse("2027-03-29T12:00:00Z"),
    );
    expect(fired.map((t) => new Date(t).toISOString())).toEqual([
      "2027-03-27T07:00:00.000Z",
      "2027-03-28T06:00:00.000Z",
      "2027-03-29T06:00:00.000Z",
    ]);
  });

  it("Monday to Friday skips the weekend; the next firing after Friday's is Monday's", () => {
    const times = new CronTimes("0 7 * * 1-5", "Europe/London");
    const friday = Date.parse("2027-01-29T07:00:00Z");
    expect(new Date(times.nextAfter(friday, 8 * 86_400_000) ?? 0).toISOString()).toBe(
      "2027-02-01T07:00:00.000Z",
    );
    expect(
      new Date(
        times.latestAtOrBefore(Date.parse("2027-01-31T20:00:00Z"), 8 * 86_400_000) ?? 0,
      ).toISOString(),
    ).toBe("2027-01-29T07:00:00.000Z");
  });

  it("reads six fields as seconds first", () => {
    const times = new CronTimes("*/20 * * * * *", "UTC");
    const from = Date.parse("2027-01-01T00:00:00Z");
    expect(times.between(from, from + 60_000).map((t) => (t - from) / 1000)).toEqual([20, 40, 60]);
  });

  it("the local date is the policy's: 23:30 UTC on 30 June is 1 July in London, 30 June in New York", () => {
    const at = Date.parse("2027-06-30T23:30:00Z");
    expect(localDate(at, "Europe/London")).toBe("2027-07-01");
    expect(localDate(at, "America/New_York")).toBe("2027-06-30");
  });
});

describe("Scheduler on a clock the test sets", () => {
  it("fires at 07:00 London time each school day, once, with the local date as as-of", async () => {
    const clock = new ManualClock("2027-01-25T06:00:00Z"); // Monday
    const port = new RecordingPort([weekdays7]);
    port.finished.add("p:2027-01-22"); // last Friday's run happened
    const scheduler = await started(port, clock);
    expect(port.runs).toEqual([]);

    for (let day = 0; day < 8; day++) {
      await clock.advance(24 * 3_600_000);
      await settle(clock);
    }
    await scheduler.stop();
    expect(port.runs.map((r) => [r.asOf, r.scheduledAt, r.reason])).toEqual([
      ["2027-01-25", "2027-01-25T07:00:00.000Z", "scheduled"],
      ["2027-01-26", "2027-01-26T07:00:00.000Z", "scheduled"],
      ["2027-01-27", "2027-01-27T07:00:00.000Z", "scheduled"],
      ["2027-01-28", "2027-01-28T07:00:00.000Z", "scheduled"],
      ["2027-01-29", "2027-01-29T07:00:00.000Z", "scheduled"],
      ["2027-02-01", "2027-02-01T07:00:00.000Z", "scheduled"],
    ]);
    expect(port.skips).toEqual([]);
  });

  it("down at 07:00, up at 09:00: today's run happens once, at start", async () => {
    const clock = new ManualClock("2027-01-27T09:00:00Z"); // Wednesday
    const port = new RecordingPort([weekdays7]);
    port.finished.add("p:2027-01-26");
    const scheduler = await started(port, clock);
    await scheduler.idle();
    expect(port.runs.map((r) => [r.asOf, r.reason])).toEqual([["2027-01-27", "catch-up"]]);
    // The rest of the day fires nothing more; Thursday's run comes at 07:00.
    await clock.advanceTo("2027-01-28T06:59:00Z");
    await settle(clock);
    expect(port.runs).toHaveLength(1);
    await clock.advanceTo("2027-01-28T07:00:00Z");
    await settle(clock);
    await scheduler.stop();
    expect(port.runs.map((r) => r.asOf)).toEqual(["2027-01-27", "2027-01-28"]);
  });

  it("a restart after today's run does not run it again", async () => {
    const clock = new ManualClock("2027-01-27T09:00:00Z");
    const port = new RecordingPort([weekdays7]);
    port.finished.add("p:2027-01-27");
    const scheduler = await started(port, clock);
    await scheduler.stop();
    expect(port.runs).toEqual([]);
  });

  it("down for a week (and up on a Sunday after a holiday Friday): one run, for the latest school day", async () => {
    const clock = new ManualClock("2027-01-31T10:00:00Z"); // Sunday
    const port = new RecordingPort([weekdays7]);
    port.holidays.add("2027-01-29"); // Friday was not a school day
    const scheduler = await started(port, clock);
    await scheduler.idle();
    await scheduler.stop();
    expect(port.runs.map((r) => [r.asOf, r.scheduledAt, r.reason])).toEqual([
      ["2027-01-28", "2027-01-28T07:00:00.000Z", "catch-up"],
    ]);
  });

  it("a firing while the previous run is still going is skipped and recorded, not run beside it", async () => {
    const clock = new ManualClock("2027-01-25T10:00:30Z");
    const port = new RecordingPort([{ policyId: "m", schedule: "* * * * *", timezone: "UTC" }]);
    port.finished.add("m:2027-01-25");
    port.hold = true;
    const scheduler = await started(port, clock);
    await clock.advanceTo("2027-01-25T10:01:00Z");
    await settle(clock);
    expect(port.runs.map((r) => r.scheduledAt)).toEqual(["2027-01-25T10:01:00.000Z"]);
    await clock.advanceTo("2027-01-25T10:02:00Z");
    await settle(clock);
    expect(port.runs).toHaveLength(1);
    expect(port.skips).toEqual([
      {
        request: expect.objectContaining({ scheduledAt: "2027-01-25T10:02:00.000Z" }),
        reason: "the run of 2027-01-25 (started for 2027-01-25T10:01:00.000Z) was still going",
      },
    ]);
    expect(scheduler.status()[0].running?.scheduledAt).toBe("2027-01-25T10:01:00.000Z");
    port.release();
    await scheduler.idle();
    await clock.advanceTo("2027-01-25T10:03:00Z");
    await settle(clock);
    expect(port.runs.map((r) => r.scheduledAt)).toEqual([
      "2027-01-25T10:01:00.000Z",
      "2027-01-25T10:03:00.000Z",
    ]);
    port.release();
    await scheduler.stop();
  });

  it("a process suspended through three firings runs only the latest", async () => {
    const clock = new ManualClock("2027-01-25T06:00:00Z");
    const port = new RecordingPort([weekdays7]);
    port.finished.add("p:2027-01-22");
    const scheduler = await started(port, clock);
    // The sleep until 07:00 Monday wakes only on Wednesday evening.
    await clock.jumpTo("2027-01-27T20:00:00Z");
    await settle(clock);
    await scheduler.stop();
    expect(port.runs.map((r) => r.asOf)).toEqual(["2027-01-27"]);
  });

  it("stop tells the running run to hand back and waits for it", async () => {
    const clock = new ManualClock("2027-01-27T09:00:00Z");
    const port = new RecordingPort([weekdays7]);
    port.hold = true;
    const scheduler = await started(port, clock);
    expect(scheduler.status()[0].running?.asOf).toBe("2027-01-27");
    await scheduler.stop();
    expect(port.aborted.map((r) => r.asOf)).toEqual(["2027-01-27"]);
    expect(scheduler.status()[0].running).toBeUndefined();
  });

  it("follows the policies it is given: a new schedule takes effect, a removed policy stops", async () => {
    const clock = new ManualClock("2027-01-25T06:00:00Z");
    const port = new RecordingPort([weekdays7]);
    port.finished.add("p:2027-01-22");
    const scheduler = await started(port, clock);
    expect(scheduler.status()).toEqual([{ policyId: "p", nextRunAt: "2027-01-25T07:00:00.000Z" }]);
    port.list = [{ ...weekdays7, schedule: "30 6 * * 1-5" }];
    await clock.advanceTo("2027-01-25T06:01:00Z"); // the loop looks again within a minute
    await settle(clock);
    await clock.advanceTo("2027-01-25T06:30:00Z");
    await settle(clock);
    expect(port.runs.map((r) => r.scheduledAt)).toEqual(["2027-01-25T06:30:00.000Z"]);
    port.list = [];
    await clock.advanceTo("2027-01-26T12:00:00Z");
    await settle(clock);
    await scheduler.stop();
    expect(port.runs).toHaveLength(1);
    expect(scheduler.status()).toEqual([]);
  });
});

/**
 * When a message to a student may go: hand-checked instants (the expected values were
 * worked out from the zones' published rules, not computed by the code under test),
 * around the changes to and from summer time, and properties on random instants.
 *
 * Europe/London: GMT (UTC+0) in winter, BST (UTC+1) from 01:00 UTC on the last Sunday of
 * March (2024-03-31) to 01:00 UTC on the last Sunday of October (2024-10-27).
 * America/New_York: EDT (UTC-4) until 06:00 UTC on 2024-11-03, then EST (UTC-5).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nextAllowedTime } from "../../src/outreach/index.ts";
import { DEFAULT_QUIET_HOURS, type QuietHours } from "../../src/rules/index.ts";

const NIGHTS_AND_WEEKENDS: QuietHours = { fromMinute: 18 * 60, toMinute: 8 * 60, weekends: true };
const NIGHTS_ONLY: QuietHours = { ...NIGHTS_AND_WEEKENDS, weekends: false };
const LONDON = "Europe/London";

const next = (iso: string, quiet: QuietHours | null, zone = LONDON): string =>
  nextAllowedTime(new Date(iso), zone, quiet).toISOString();

describe("nextAllowedTime", () => {
  it("the default is 18:00 to 08:00 and weekends", () => {
    expect(DEFAULT_QUIET_HOURS).toEqual(NIGHTS_AND_WEEKENDS);
  });

  it("returns the very same Date when sending is allowed, or there are no quiet hours", () => {
    const wednesday = new Date("2024-12-04T10:00:00.000Z");
    expect(nextAllowedTime(wednesday, LONDON, NIGHTS_AND_WEEKENDS)).toBe(wednesday);
    const saturdayNight = new Date("2024-12-07T23:00:00.000Z");
    expect(nextAllowedTime(saturdayNight, LONDON, null)).toBe(saturdayNight);
  });

  it.each([
    ["Friday 19:00 → Monday 08:00", "2024-12-06T19:00:00.000Z", "2024-12-09T08:00:00.000Z"],
    ["Monday 07:59:59 → 08:00", "2024-12-09T07:59:59.000Z", "2024-12-09T08:00:00.000Z"],
    ["Monday 18:00 exactly is quiet", "2024-12-09T18:00:00.000Z", "2024-12-10T08:00:00.000Z"],
    ["Tuesday 02:00 → 08:00 the same day", "2024-12-10T02:00:00.000Z", "2024-12-10T08:00:00.000Z"],
    ["Saturday noon → Monday 08:00", "2024-12-07T12:00:00.000Z", "2024-12-09T08:00:00.000Z"],
    ["Sunday 23:30 → Monday 08:00", "2024-12-08T23:30:00.000Z", "2024-12-09T08:00:00.000Z"],
    ["Mon 7 Dec 2026, 06:00 → 08:00", "2026-12-07T06:00:00.000Z", "2026-12-07T08:00:00.000Z"],
  ])("London in winter (UTC+0): %s", (_what, at, expected) => {
    expect(next(at, NIGHTS_AND_WEEKENDS)).toBe(expected);
  });

  it("an allowed instant is kept to the millisecond", () => {
    expect(next("2024-12-09T08:00:00.000Z", NIGHTS_AND_WEEKENDS)).toBe("2024-12-09T08:00:00.000Z");
    expect(next("2024-12-09T17:59:59.999Z", NIGHTS_AND_WEEKENDS)).toBe("2024-12-09T17:59:59.999Z");
  });

  describe("London, clocks forward (Sunday 31 March 2024, 01:00 GMT → 02:00 BST)", () => {
    it("Friday 18:30 GMT → Monday 08:00 BST, which is 07:00 UTC", () => {
      expect(next("2024-03-29T18:30:00.000Z", NIGHTS_AND_WEEKENDS)).toBe(
        "2024-04-01T07:00:00.000Z",
      );
    });

    it("without weekends: Saturday 22:00 GMT → Sunday 08:00 BST (07:00 UTC, not 08:00)", () => {
      expect(next("2024-03-30T22:00:00.000Z", NIGHTS_ONLY)).toBe("2024-03-31T07:00:00.000Z");
    });

    it("during the night of the change: 00:30 GMT → 08:00 BST", () => {
      expect(next("2024-03-31T00:30:00.000Z", NIGHTS_ONLY)).toBe("2024-03-31T07:00:00.000Z");
    });

    it("quiet hours ending at 01:30, a time the clocks skip: sending starts at the change", () => {
      const untilHalfPastOne: QuietHours = { fromMinute: 22 * 60, toMinute: 90, weekends: false };
      // 00:45 GMT; 01:30 never happens that night: at 01:00 UTC the clock reads 02:00 BST.
      expect(next("2024-03-31T00:45:00.000Z", untilHalfPastOne)).toBe("2024-03-31T01:00:00.000Z");
    });
  });

  describe("London, clocks back (Sunday 27 October 2024, 02:00 BST → 01:00 GMT)", () => {
    it("without weekends: Saturday 20:00 BST (19:00 UTC) → Sunday 08:00 GMT (08:00 UTC)", () => {
      expect(next("2024-10-26T19:00:00.000Z", NIGHTS_ONLY)).toBe("2024-10-27T08:00:00.000Z");
    });

    it("Friday 19:00 BST (18:00 UTC) → Monday 08:00 GMT (08:00 UTC)", () => {
      expect(next("2024-10-25T18:00:00.000Z", NIGHTS_AND_WEEKENDS)).toBe(
        "2024-10-28T08:00:00.000Z",
      );
    });

    it("quiet hours ending at 01:30, a time that happens twice: the first one not before now", () => {
      const untilHalfPastOne: QuietHours = { fromMinute: 22 * 60, toMinute: 90, weekends: false };
      // 01:10 BST (00:10 UTC) → 01:30 BST (00:30 UTC).
      expect(next("2024-10-27T00:10:00.000Z", untilHalfPastOne)).toBe("2024-10-27T00:30:00.000Z");
      // 01:10 GMT (01:10 UTC), after the clocks went back → 01:30 GMT (01:30 UTC).
      expect(next("2024-10-27T01:10:00.000Z", untilHalfPastOne)).toBe("2024-10-27T01:30:00.000Z");
    });
  });

  it("America/New_York across the end of summer time: Fri 19:00 EDT → Mon 08:00 EST", () => {
    // Friday 1 November 2024 19:00 EDT = 23:00 UTC; Monday 4 November 08:00 EST = 13:00 UTC.
    expect(next("2024-11-01T23:00:00.000Z", NIGHTS_AND_WEEKENDS, "America/New_York")).toBe(
      "2024-11-04T13:00:00.000Z",
    );
  });

  it("the weekend is the weekend of the zone, not of UTC", () => {
    // Friday 23:00 UTC is already Saturday 10:00 in Sydney (AEDT, UTC+11).
    expect(next("2024-12-06T23:00:00.000Z", NIGHTS_AND_WEEKENDS, "Australia/Sydney")).toBe(
      "2024-12-08T21:00:00.000Z", // Monday 9 December 08:00 AEDT
    );
  });

  it("quiet hours within one day (12:00 to 13:00) end the same day", () => {
    const lunch: QuietHours = { fromMinute: 12 * 60, toMinute: 13 * 60, weekends: false };
    expect(next("2024-12-07T12:30:00.000Z", lunch)).toBe("2024-12-07T13:00:00.000Z");
    expect(next("2024-12-07T13:00:00.000Z", lunch)).toBe("2024-12-07T13:00:00.000Z");
  });

  it("weekends alone (no daily hours when from equals to) wait until Monday 00:00", () => {
    const weekendsOnly: QuietHours = { fromMinute: 0, toMinute: 0, weekends: true };
    expect(next("2024-12-07T12:00:00.000Z", weekendsOnly)).toBe("2024-12-09T00:00:00.000Z");
    expect(next("2024-12-06T23:59:00.000Z", weekendsOnly)).toBe("2024-12-06T23:59:00.000Z");
  });

  it("an unknown time zone is a RangeError", () => {
    expect(() => nextAllowedTime(new Date(), "Mars/Olympus", NIGHTS_AND_WEEKENDS)).toThrow(
      RangeError,
    );
  });
});

describe("nextAllowedTime, on random instants", () => {
  const ZONES = [LONDON, "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"];
  const local = (instant: Date, zone: string) => {
    const parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      hourCycle: "h23",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
    }).formatToParts(instant);
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
    return { weekday: get("weekday"), minute: Number(get("hour")) * 60 + Number(get("minute")) };
  };
  const quietAt = (instant: Date, zone: string, q: QuietHours): boolean => {
    const { weekday, minute } = local(instant, zone);
    if (q.weekends && (weekday === "Sat" || weekday === "Sun")) return true;
    if (q.fromMinute === q.toMinute) return false;
    return q.fromMinute < q.toMinute
      ? minute >= q.fromMinute && minute < q.toMinute
      : minute >= q.fromMinute || minute < q.toMinute;
  };
  const quietHours = fc.record({
    fromMinute: fc.integer({ min: 0, max: 1439 }),
    toMinute: fc.integer({ min: 0, max: 1439 }),
    weekends: fc.boolean(),
  });
  const instant = fc
    .integer({ min: Date.UTC(2023, 0, 1), max: Date.UTC(2027, 0, 1) })
    .map((ms) => new Date(Math.floor(ms / 1000) * 1000));

  it("is never before `at`, is allowed, and the moment before it is quiet", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), quietHours, (at, zone, q) => {
        const result = nextAllowedTime(at, zone, q);
        expect(result.getTime()).toBeGreaterThanOrEqual(at.getTime());
        expect(quietAt(result, zone, q)).toBe(false);
        if (result !== at) {
          expect(quietAt(at, zone, q)).toBe(true);
          expect(quietAt(new Date(result.getTime() - 60_000), zone, q)).toBe(true);
        }
        // Less than three days away, and asking again changes nothing.
        expect(result.getTime() - at.getTime()).toBeLessThan(3 * 24 * 3600_000);
        expect(nextAllowedTime(result, zone, q)).toBe(result);
      }),
      { numRuns: 400 },
    );
  });
});

/**
 * The engine's sweep of open cases (src/cases/sweep.ts), on a hand-made calendar for
 * school sef:
 *
 *   Dec 2026: Mon 14 – Fri 18          (then the Christmas break)
 *   Jan 2027: Mon 4 – Fri 8, Mon 11, Tue 12, Thu 14, Fri 15   (Wed 13 is a training day)
 *
 * and nothing listed after Fri 15 Jan, so from then on Monday to Friday count. Every count
 * below is the school days after the event's date up to and including the run's date.
 */
import { describe, expect, it } from "vitest";
import type { CaseEvent } from "../../src/cases/case-events.ts";
import { ENGINE_ACTOR } from "../../src/cases/case-vocabulary.ts";
import { decide } from "../../src/cases/decide.ts";
import { countSchoolDays, localDay, planSweep, type SweepAction } from "../../src/cases/sweep.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import type { Escalation } from "../../src/rules/policy.ts";
import { CONTEXT, type CommandBody, finding, signal } from "./case-fixtures.ts";

const day = (iso: string): number => {
  const d = parseIsoDate(iso);
  if (d === undefined) throw new Error(iso);
  return d;
};

const SEF_DAYS = [
  "2026-12-14",
  "2026-12-15",
  "2026-12-16",
  "2026-12-17",
  "2026-12-18",
  "2027-01-04",
  "2027-01-05",
  "2027-01-06",
  "2027-01-07",
  "2027-01-08",
  "2027-01-11",
  "2027-01-12",
  "2027-01-14",
  "2027-01-15",
].map(day);
const SCHOOL_DAYS = new Map([["sef", Int32Array.from(SEF_DAYS)]]);

const ESCALATION: Escalation = {
  noContactAfterDays: 3,
  unansweredAttempts: 2,
  to: "engagement-lead",
  remindUnconfirmedAfterDays: 2,
};

/** A case history made through `decide`, each command at the time given. */
class History {
  events: CaseEvent[] = [];

  do(body: CommandBody, actor: string, at: string): this {
    const command = { ...body, version: this.events.length, at };
    const decision = decide(this.events, command as never, actor, CONTEXT);
    if (!decision.ok) throw new Error(`${body.type}: ${decision.refusal.message}`);
    this.events.push(...decision.events);
    return this;
  }

  /** Opened by the 07:00 run of `date`. */
  open(date: string): this {
    return this.do(
      { type: "open", finding: finding([signal("low-attendance")]) },
      ENGINE_ACTOR,
      `${date}T07:00:00.000Z`,
    );
  }

  /** Opened and confirmed by ada on `date`. */
  confirmed(date: string): this {
    return this.open(date).do({ type: "confirm" }, "ada", `${date}T10:00:00.000Z`);
  }

  contact(outcome: "reached" | "no_answer" | "left_message" | "wrong_details", at: string): this {
    return this.do({ type: "log_contact", channel: "phone", outcome }, "ada", at);
  }
}

function sweep(
  history: History,
  asOf: string,
  escalation: Escalation | null = ESCALATION,
): SweepAction[] {
  return planSweep({
    cases: [{ caseId: CONTEXT.caseId, events: history.events }],
    escalation: escalation ?? undefined,
    timezone: "Europe/London",
    asOf: day(asOf),
    schoolDays: SCHOOL_DAYS,
  });
}

const proposal = (version: number, reason: string): SweepAction => ({
  kind: "propose_escalation",
  caseId: CONTEXT.caseId,
  version,
  reason,
  to: "engagement-lead",
});

describe("counting school days", () => {
  const count = (after: string, upTo: string, days: ArrayLike<number> | null = SEF_DAYS) =>
    countSchoolDays(days ?? undefined, day(after), day(upTo));

  it("counts the days after the first date up to and including the second, in the calendar", () => {
    expect(count("2027-01-04", "2027-01-08")).toBe(4); // Tue–Fri
    expect(count("2027-01-08", "2027-01-11")).toBe(1); // the weekend does not count
    expect(count("2027-01-11", "2027-01-14")).toBe(2); // 12 and 14: the 13th is no school day
    expect(count("2026-12-16", "2027-01-04")).toBe(3); // 17, 18 Dec and 4 Jan: the break does not count
    expect(count("2026-12-10", "2026-12-15")).toBe(2); // before the calendar's first day: none
    expect(count("2027-01-08", "2027-01-08")).toBe(0);
    expect(count("2027-01-08", "2027-01-05")).toBe(0);
  });

  it("counts Monday to Friday past the calendar's last day, and without a calendar", () => {
    expect(count("2027-01-14", "2027-01-19")).toBe(3); // 15 (listed), Mon 18, Tue 19
    expect(count("2027-01-16", "2027-01-17")).toBe(0); // a weekend past the end
    expect(count("2027-01-01", "2027-01-15", null)).toBe(10); // two whole weeks
    expect(count("2027-01-01", "2027-01-15", [])).toBe(10);
    expect(count("2027-01-06", "2027-01-25", null)).toBe(13); // Thu 7 … Mon 25
  });

  it("reads an instant as a date in the policy's time zone", () => {
    expect(localDay("2027-01-04T23:30:00.000Z", "Europe/London")).toBe(day("2027-01-04"));
    expect(localDay("2027-01-04T23:30:00.000Z", "Asia/Tokyo")).toBe(day("2027-01-05"));
    expect(localDay("2027-01-05T03:00:00.000Z", "America/New_York")).toBe(day("2027-01-04"));
    // Summer time: 23:30 UTC is already the next day in London.
    expect(localDay("2026-06-01T23:30:00.000Z", "Europe/London")).toBe(day("2026-06-02"));
  });
});

describe("proposing an escalation", () => {
  it("on the Nth school day without a successful contact since confirmation, not before", () => {
    const h = new History().confirmed("2027-01-11");
    expect(sweep(h, "2027-01-12")).toEqual([]); // 1
    expect(sweep(h, "2027-01-13")).toEqual([]); // still 1: the 13th is no school day
    expect(sweep(h, "2027-01-14")).toEqual([]); // 2
    expect(sweep(h, "2027-01-15")).toEqual([
      proposal(2, "No successful contact in 3 school days since it was confirmed on 11 Jan"),
    ]);
  });

  it("names the year of a date in another year than the run's", () => {
    const h = new History().confirmed("2026-12-16");
    expect(sweep(h, "2026-12-18")).toEqual([]);
    expect(sweep(h, "2027-01-04")).toEqual([
      proposal(2, "No successful contact in 3 school days since it was confirmed on 16 Dec 2026"),
    ]);
  });

  it("says how many school days it has been when a sweep comes late", () => {
    const h = new History().confirmed("2027-01-04");
    expect(sweep(h, "2027-01-11")).toEqual([
      proposal(2, "No successful contact in 5 school days since it was confirmed on 4 Jan"),
    ]);
  });

  it("after N unanswered attempts in a row; a successful contact starts again", () => {
    const h = new History().confirmed("2027-01-04").contact("no_answer", "2027-01-04T11:00:00Z");
    expect(sweep(h, "2027-01-04")).toEqual([]);
    h.contact("left_message", "2027-01-04T15:00:00Z");
    expect(sweep(h, "2027-01-05")).toEqual([
      proposal(4, "2 contact attempts in a row without an answer"),
    ]);

    const reset = new History()
      .confirmed("2027-01-04")
      .contact("no_answer", "2027-01-04T11:00:00Z")
      .contact("reached", "2027-01-04T12:00:00Z")
      .contact("no_answer", "2027-01-05T11:00:00Z");
    expect(sweep(reset, "2027-01-05")).toEqual([]);
  });

  it("gives both reasons when both hold", () => {
    const h = new History()
      .confirmed("2027-01-04")
      .contact("no_answer", "2027-01-05T11:00:00Z")
      .contact("wrong_details", "2027-01-06T11:00:00Z");
    expect(sweep(h, "2027-01-07")).toEqual([
      proposal(
        4,
        "No successful contact in 3 school days since it was confirmed on 4 Jan; 2 contact attempts in a row without an answer",
      ),
    ]);
  });

  it("once per episode: not while pending, not after a decline, again after a new successful contact", () => {
    const h = new History().confirmed("2027-01-04");
    const [first] = sweep(h, "2027-01-07");
    if (first?.kind !== "propose_escalation") throw new Error("no proposal");
    h.do(
      { type: "propose_escalation", reason: first.reason },
      ENGINE_ACTOR,
      "2027-01-07T07:00:00Z",
    );
    expect(sweep(h, "2027-01-07")).toEqual([]); // the same date again
    expect(sweep(h, "2027-01-08")).toEqual([]); // pending
    h.do({ type: "decide_escalation", decision: "decline" }, "lee", "2027-01-08T09:00:00Z");
    expect(sweep(h, "2027-01-14")).toEqual([]); // declined in this episode

    h.contact("reached", "2027-01-14T10:00:00Z");
    expect(sweep(h, "2027-01-18")).toEqual([]); // 15, 18
    // 15 Jan is the calendar's last day; Mon 18 and Tue 19 count as weekdays.
    expect(sweep(h, "2027-01-19")).toEqual([
      proposal(
        5,
        "No successful contact in 3 school days since the last successful contact on 14 Jan",
      ),
    ]);
  });

  it("counts from a reopening, and not while a person's proposal is pending", () => {
    const h = new History()
      .confirmed("2027-01-04")
      .do({ type: "resolve", outcome: "re_engaged" }, "ada", "2027-01-05T10:00:00Z")
      .do({ type: "reopen" }, "ada", "2027-01-11T10:00:00Z");
    expect(sweep(h, "2027-01-14")).toEqual([]);
    expect(sweep(h, "2027-01-15")).toEqual([
      proposal(4, "No successful contact in 3 school days since it was reopened on 11 Jan"),
    ]);
    h.do({ type: "propose_escalation", reason: "Not answering" }, "ada", "2027-01-15T06:00:00Z");
    expect(sweep(h, "2027-01-15")).toEqual([]);
  });

  it("waits while the case is snoozed, counting on", () => {
    const h = new History()
      .confirmed("2027-01-04")
      .do({ type: "snooze", until: "2027-01-08" }, "ada", "2027-01-04T11:00:00Z");
    expect(sweep(h, "2027-01-07")).toEqual([]);
    expect(sweep(h, "2027-01-08")).toEqual([]);
    expect(sweep(h, "2027-01-11")).toEqual([
      proposal(3, "No successful contact in 5 school days since it was confirmed on 4 Jan"),
    ]);
  });

  it("the proposal is the engine's to make and a lead's to decide", () => {
    const h = new History().confirmed("2027-01-04");
    const [action] = sweep(h, "2027-01-07");
    if (action?.kind !== "propose_escalation") throw new Error("no proposal");
    const command = {
      type: "propose_escalation" as const,
      version: action.version,
      at: "2027-01-07T07:00:00.000Z",
      reason: action.reason,
    };
    const proposed = decide(h.events, command, ENGINE_ACTOR, CONTEXT);
    if (!proposed.ok) throw new Error(proposed.refusal.message);
    expect(proposed.state.escalation).toMatchObject({
      status: "pending",
      proposedBy: ENGINE_ACTOR,
      reason: "No successful contact in 3 school days since it was confirmed on 4 Jan",
    });
    const events = [...h.events, ...proposed.events];
    const decision = {
      type: "decide_escalation" as const,
      version: events.length,
      at: "2027-01-07T09:00:00.000Z",
    };
    const byEngine = decide(events, { ...decision, decision: "accept" }, ENGINE_ACTOR, CONTEXT);
    expect(byEngine.ok).toBe(false);
    const byAdviser = decide(events, { ...decision, decision: "accept" }, "ada", CONTEXT);
    expect(byAdviser.ok ? "allowed" : byAdviser.refusal.code).toBe("not_authorised");
    const byLead = decide(events, { ...decision, decision: "accept" }, "lee", CONTEXT);
    expect(byLead.ok && byLead.state.status).toBe("escalated");
  });
});

describe("reminding the team of a case nobody has taken", () => {
  const reminder = (since: number, waited: number): SweepAction => ({
    kind: "remind",
    caseId: CONTEXT.caseId,
    since,
    waited,
    text: `This case has waited ${waited} school days for someone to take it.`,
  });

  it("from the Nth school day of waiting, keyed by the wait", () => {
    const h = new History().open("2027-01-11");
    expect(sweep(h, "2027-01-11")).toEqual([]);
    expect(sweep(h, "2027-01-12")).toEqual([]); // 1
    expect(sweep(h, "2027-01-13")).toEqual([]); // 1
    expect(sweep(h, "2027-01-14")).toEqual([reminder(0, 2)]);
    expect(sweep(h, "2027-01-15")).toEqual([reminder(0, 3)]); // the same wait: the caller keeps one

    // Dismissed and reopened before anyone took it: a new wait.
    h.do({ type: "dismiss", reason: "not_a_concern" }, "ada", "2027-01-15T09:00:00Z").do(
      { type: "reopen" },
      "ada",
      "2027-01-15T10:00:00Z",
    );
    expect(sweep(h, "2027-01-18")).toEqual([]); // 1
    expect(sweep(h, "2027-01-19")).toEqual([reminder(2, 2)]);
  });

  it("says 1 school day in the singular; nothing once the case is taken", () => {
    const h = new History().open("2027-01-11");
    const one = { ...ESCALATION, remindUnconfirmedAfterDays: 1 };
    expect(sweep(h, "2027-01-12", one)).toEqual([
      {
        kind: "remind",
        caseId: CONTEXT.caseId,
        since: 0,
        waited: 1,
        text: "This case has waited 1 school day for someone to take it.",
      },
    ]);
    h.do({ type: "confirm" }, "ada", "2027-01-12T10:00:00Z");
    expect(sweep(h, "2027-01-12", one)).toEqual([]);
  });

  it("nothing without an escalation block, or with reminders off", () => {
    const h = new History().open("2027-01-04");
    expect(sweep(h, "2027-01-15", null)).toEqual([]);
    const { remindUnconfirmedAfterDays: _, ...off } = ESCALATION;
    expect(sweep(h, "2027-01-15", off)).toEqual([]);
  });
});

/**
 * The one-line phrases of case events (the "Latest" list and the thread replies), taken
 * from real histories, and the date formats cards use.
 */
import { describe, expect, it } from "vitest";
import type { CaseEvent } from "../../src/cases/case-events.ts";
import { ENGINE_ACTOR } from "../../src/cases/case-vocabulary.ts";
import { eraseHistory } from "../../src/cases/erasure.ts";
import {
  describeEvent,
  eventLine,
  formatDate,
  formatDateTime,
  formatWindow,
  nameOf,
  recentEvents,
  shorten,
} from "../../src/teams/cards/index.ts";
import { CaseLog, caseIn, ROSTER, signal } from "../cases/case-fixtures.ts";

const SECRET = "Disclosed a family illness.";

/** One history with every kind of event a person or the engine makes before erasure. */
function everything(): CaseLog {
  return caseIn("active")
    .do(
      {
        type: "add_signal",
        asOf: "2026-11-21",
        signals: [signal("no-vle", "medium")],
        inhibited: [],
      },
      ENGINE_ACTOR,
    )
    .do({ type: "reassign", assignee: "dan" }, "ada")
    .do({ type: "reassign", assignee: "ada" }, "ada")
    .do({ type: "log_contact", channel: "phone", outcome: "no_answer", note: "Rang twice." }, "ada")
    .do({ type: "log_contact", channel: "teams_chat", outcome: "reached" }, "ada")
    .do({ type: "add_note", noteId: "n1", text: SECRET, visibility: "restricted" }, "dan")
    .do({ type: "add_note", noteId: "n2", text: "Left a voicemail.", visibility: "team" }, "ada")
    .do({ type: "record_student_reply", outreachId: "o3", reply: "would_like_to_talk" }, "student")
    .do({ type: "record_student_reply", outreachId: "o3", reply: "other", text: "hi" }, "student")
    .do({ type: "snooze", until: "2026-11-30" }, "ada")
    .do({ type: "propose_escalation", reason: "no contact for three weeks" }, "ada")
    .do({ type: "decide_escalation", decision: "decline" }, "lee")
    .do({ type: "resolve", outcome: "referred", note: "Referred to wellbeing." }, "ada")
    .do({ type: "reopen" }, "ada")
    .do({ type: "propose_escalation", reason: "again" }, "ada")
    .do({ type: "decide_escalation", decision: "accept" }, "lee")
    .do({ type: "close" }, "ada");
}

const lines = (events: readonly CaseEvent[]) => events.map((e) => describeEvent(e, ROSTER));

describe("describeEvent", () => {
  it("phrases every event of a history in plain English, naming people", () => {
    expect(lines(everything().events)).toEqual([
      "Reach opened the case: Rule low-attendance",
      "Ada Example confirmed the case and took it",
      "Ada Example proposed a message to the student",
      "Ada Example proposed a message to the student",
      "Ada Example approved a message to the student",
      "Ada Example proposed a message to the student",
      "Ada Example approved a message to the student",
      "The message was sent to the student",
      "Reach added a signal: Rule no-vle",
      "Ada Example reassigned the case from Ada Example to Dan Example",
      "Ada Example took the case over from Dan Example",
      "Ada Example logged a contact attempt: phone, no answer",
      "Ada Example logged a contact attempt: Teams chat, reached",
      "Dan Example added a restricted note",
      "Ada Example added a note",
      `The student replied: "I'd like to talk"`,
      "The student replied with a message",
      "Ada Example snoozed the case until 30 Nov 2026",
      "Ada Example proposed an escalation to the engagement lead",
      "Lee Example declined the escalation",
      "Ada Example resolved the case: referred to a support service",
      "Ada Example reopened the case",
      "Ada Example proposed an escalation to the engagement lead",
      "Lee Example accepted the escalation",
      "Ada Example closed the case",
    ]);
  });

  it("dismissals, confirming for someone else, erasure", () => {
    const dismissed = new CaseLog()
      .open()
      .do({ type: "dismiss", reason: "already_in_contact", text: "Tutor on it." }, "dan");
    expect(lines(dismissed.events.slice(1))).toEqual([
      "Dan Example dismissed the case: already in contact",
    ]);
    const other = new CaseLog().open().do({ type: "dismiss", reason: "other", text: "x" }, "ada");
    expect(describeEvent(other.events[1], ROSTER)).toBe("Ada Example dismissed the case: other");
    const assigned = new CaseLog().open().do({ type: "confirm", assignee: "dan" }, "lee");
    expect(describeEvent(assigned.events[1], ROSTER)).toBe(
      "Lee Example confirmed the case and assigned it to Dan Example",
    );
    const erased = caseIn("active").do({ type: "erase" }, "adm");
    expect(describeEvent(erased.events.at(-1) as CaseEvent, ROSTER)).toBe(
      "Adm Example erased the student's personal data from the case",
    );
  });

  it("never quotes what a person wrote: notes, reasons, replies, messages", () => {
    const text = lines(everything().events).join("\n");
    for (const written of [
      SECRET,
      "family illness",
      "Left a voicemail",
      "Rang twice",
      "three weeks",
      "Referred to wellbeing",
      "Hi, checking in",
    ]) {
      expect(text).not.toContain(written);
    }
  });

  it("reads the same after the history is erased", () => {
    const events = everything().do({ type: "erase" }, "adm").events;
    expect(lines(eraseHistory(events))).toEqual(lines(events));
  });

  it("names the engine Reach, and falls back to the id for someone unknown", () => {
    expect(nameOf(ROSTER, ENGINE_ACTOR)).toBe("Reach");
    expect(nameOf(ROSTER, "zed")).toBe("zed");
    expect(nameOf((id) => (id === "ada" ? "Alex Wilber" : undefined), "ada")).toBe("Alex Wilber");
    const confirmed = caseIn("active").events[1];
    expect(describeEvent(confirmed, () => "Alex Wilber")).toBe(
      "Alex Wilber confirmed the case and took it",
    );
  });
});

describe("recentEvents", () => {
  it("gives the last events, newest first, with their times", () => {
    const log = caseIn("resolved");
    const recent = recentEvents(log.events, ROSTER, 3);
    expect(recent).toEqual([
      { at: log.events.at(-1)?.at, text: "Ada Example resolved the case: re-engaged" },
      { at: log.events.at(-2)?.at, text: "The message was sent to the student" },
      { at: log.events.at(-3)?.at, text: "Ada Example approved a message to the student" },
    ]);
    expect(recentEvents(log.events, ROSTER)).toHaveLength(5);
    expect(eventLine(recent[0])).toBe(
      "Ada Example resolved the case: re-engaged · 23 Nov 2026, 09:08",
    );
  });
});

describe("formats", () => {
  it("dates and times in UTC, as cards show them", () => {
    expect(formatDate("2026-11-20")).toBe("20 Nov 2026");
    expect(formatDate("2026-11-20T23:30:00-02:00")).toBe("21 Nov 2026");
    expect(formatDateTime("2026-11-20T09:12:00Z")).toBe("20 Nov 2026, 09:12");
    expect(formatDate("not a date")).toBe("not a date");
  });

  it("windows, with the year once when it does not change", () => {
    expect(formatWindow({ from: "2026-09-08", to: "2026-11-20", schoolDays: 50 })).toBe(
      "8 Sep – 20 Nov 2026 (50 school days)",
    );
    expect(formatWindow({ from: "2025-12-15", to: "2026-01-20", schoolDays: 1 })).toBe(
      "15 Dec 2025 – 20 Jan 2026 (1 school day)",
    );
  });

  it("shortens long text at a word", () => {
    expect(shorten("short", 10)).toBe("short");
    expect(shorten("one two three four five", 16)).toBe("one two three…");
    expect(shorten("x".repeat(20), 10)).toBe(`${"x".repeat(9)}…`);
  });
});

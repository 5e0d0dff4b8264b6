/** Reading a stored history back: valid events only, starting with `opened`, versions in order. */
import { describe, expect, it } from "vitest";
import { parseCaseEvents } from "../../src/cases/case-events.ts";
import { foldCase } from "../../src/cases/case-state.ts";
import { caseIn } from "./case-fixtures.ts";

describe("parseCaseEvents", () => {
  it("reads back a history written as JSON, to the same state", () => {
    const log = caseIn("escalated");
    const read = parseCaseEvents(JSON.parse(JSON.stringify(log.events)));
    if (!read.ok) expect.fail(read.message);
    expect(read.events).toEqual(log.events);
    expect(foldCase(read.events)).toEqual(log.state);
  });

  it("refuses a gap in the versions, a history not starting with opened, and a bad value", () => {
    const events = caseIn("active").events;
    expect(parseCaseEvents([events[0], events[2]])).toEqual({
      ok: false,
      message: "event 1 has version 2, expected 1",
    });
    expect(parseCaseEvents(events.slice(1))).toEqual({
      ok: false,
      message: 'a case history starts with "opened", not "confirmed"',
    });
    const bad = { ...events[1], type: "dismissed", reason: "bored" };
    expect(parseCaseEvents([events[0], bad]).ok).toBe(false);
  });

  it("refuses an event after the erasure", () => {
    const events = caseIn("erased").events;
    const after = { type: "closed", actor: "ada", at: events[0].at, version: 2 };
    expect(parseCaseEvents([...events, after])).toEqual({
      ok: false,
      message: "event 2 follows the erasure of the case",
    });
  });

  it("foldCase of no events is no case", () => {
    expect(foldCase([])).toBeUndefined();
  });
});

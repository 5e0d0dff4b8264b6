/**
 * decide() refusing: invalid input, not authorised, stale version (with the double-confirm
 * race), and the order in which they are checked.
 */
import { describe, expect, it } from "vitest";
import type { CaseCommand } from "../../src/cases/case-commands.ts";
import { foldCase, isSnoozed } from "../../src/cases/case-state.ts";
import { ENGINE_ACTOR } from "../../src/cases/case-vocabulary.ts";
import { type Decision, decide } from "../../src/cases/decide.ts";
import { at, CONTEXT, caseIn, finding, STUDENT, signal } from "./case-fixtures.ts";

function refusalOf(decision: Decision) {
  if (decision.ok) expect.fail("expected a refusal");
  return decision.refusal;
}

/** A payload as a card might send it: not necessarily a valid command. */
function raw(payload: Record<string, unknown>): CaseCommand {
  return payload as unknown as CaseCommand;
}

describe("invalid input", () => {
  it("dismiss without a reason is refused, naming the reasons", () => {
    const log = caseIn("proposed");
    const r = refusalOf(
      decide(log.events, raw({ type: "dismiss", version: 1, at: at(5) }), "ada", CONTEXT),
    );
    expect(r.code).toBe("invalid_input");
    expect(r.message).toBe(
      "reason: a reason to dismiss is required: one of known_circumstance, data_error, already_in_contact, not_a_concern, other",
    );
    expect(log.state.status).toBe("proposed");
  });

  it("dismiss with an unknown reason is refused", () => {
    const r = refusalOf(
      decide(
        caseIn("proposed").events,
        raw({ type: "dismiss", version: 1, at: at(5), reason: "bored" }),
        "ada",
        CONTEXT,
      ),
    );
    expect(r).toMatchObject({ code: "invalid_input" });
    expect(r.message).toContain('not "bored"');
  });

  it("dismiss as `other` needs a few words", () => {
    const r = refusalOf(caseIn("proposed").try({ type: "dismiss", reason: "other" }, "ada"));
    expect(r.code).toBe("invalid_input");
    expect(
      caseIn("proposed").try({ type: "dismiss", reason: "other", text: "moved house" }, "ada").ok,
    ).toBe(true);
  });

  it("resolve as `other` needs a note", () => {
    const r = refusalOf(caseIn("active").try({ type: "resolve", outcome: "other" }, "ada"));
    expect(r.message).toBe("Please say in a few words how the case was resolved (outcome: other).");
  });

  it("an empty note (after trimming) is refused", () => {
    const r = refusalOf(
      caseIn("active").try(
        { type: "add_note", noteId: "n1", text: "   ", visibility: "team" },
        "ada",
      ),
    );
    expect(r).toMatchObject({ code: "invalid_input", message: "text: the note must not be empty" });
  });

  it("an unknown action, a bad timestamp and a missing version are refused", () => {
    const events = caseIn("proposed").events;
    expect(
      refusalOf(decide(events, raw({ type: "delete", version: 1, at: at(1) }), "ada", CONTEXT))
        .message,
    ).toMatch(/^unknown action "delete": expected one of open, add_signal, confirm/);
    expect(
      refusalOf(
        decide(events, raw({ type: "confirm", version: 1, at: "yesterday" }), "ada", CONTEXT),
      ).message,
    ).toBe("at: expected an ISO timestamp such as 2026-09-14T09:30:00Z");
    expect(
      refusalOf(decide(events, raw({ type: "confirm", at: at(1) }), "ada", CONTEXT)).message,
    ).toBe("version: version (the case version the action was made on) is required");
  });

  it("a snooze must end after the day it is made", () => {
    // at() is 23 Nov 2026.
    expect(
      refusalOf(caseIn("active").try({ type: "snooze", until: "2026-11-23" }, "ada")).code,
    ).toBe("invalid_input");
    expect(
      refusalOf(caseIn("active").try({ type: "snooze", until: "2026-02-30" }, "ada")).message,
    ).toBe('until: expected a date as YYYY-MM-DD, got "2026-02-30"');
    const log = caseIn("active").do({ type: "snooze", until: "2026-11-24" }, "ada");
    expect(isSnoozed(log.state, "2026-11-24")).toBe(true);
    expect(isSnoozed(log.state, "2026-11-25")).toBe(false);
  });

  it("the assignee must be someone who may work on the student", () => {
    const r = refusalOf(caseIn("proposed").try({ type: "confirm", assignee: "ben" }, "ada"));
    expect(r).toEqual({
      code: "invalid_input",
      message: "ben can't take this case.",
      why: "not an adviser of this student",
    });
    expect(
      refusalOf(caseIn("active").try({ type: "reassign", assignee: "ada" }, "ada")).message,
    ).toBe("The case is already assigned to ada.");
  });

  it("note and message ids are unique on a case; an unknown message id is refused", () => {
    const log = caseIn("active").do(
      { type: "add_note", noteId: "n1", text: "a", visibility: "team" },
      "ada",
    );
    expect(
      refusalOf(log.try({ type: "add_note", noteId: "n1", text: "b", visibility: "team" }, "ada"))
        .code,
    ).toBe("invalid_input");
    expect(
      refusalOf(log.try({ type: "propose_outreach", outreachId: "o1", text: "x" }, "ada")).code,
    ).toBe("invalid_input");
    expect(refusalOf(log.try({ type: "approve_outreach", outreachId: "o7" }, "ada")).message).toBe(
      "The message is empty: write what the student should read.",
    );
  });

  it("events of another case, or another student, are refused", () => {
    const events = caseIn("proposed").events;
    const cmd = { type: "confirm", version: 1, at: at(3) } as const;
    expect(refusalOf(decide(events, cmd, "ada", { ...CONTEXT, caseId: "case-2" })).code).toBe(
      "invalid_input",
    );
    const other = { ...STUDENT, id: "stu-9" };
    expect(refusalOf(decide(events, cmd, "ada", { ...CONTEXT, student: other })).message).toBe(
      "Case case-1 is not about student stu-9.",
    );
  });
});

describe("authorisation", () => {
  it("an adviser of another student is refused, with the reason", () => {
    const r = refusalOf(caseIn("proposed").try({ type: "confirm" }, "ben"));
    expect(r).toEqual({
      code: "not_authorised",
      message: "Sorry, you can't do that on this case.",
      why: "not an adviser of this student",
    });
  });

  it("the engine may not confirm, and a person may not open", () => {
    expect(refusalOf(caseIn("proposed").try({ type: "confirm" }, ENGINE_ACTOR)).why).toBe(
      "Reach's engine may not confirm: a person must decide that",
    );
    const open = decide(
      [],
      { type: "open", version: 0, at: at(0), finding: finding([signal("r")]) },
      "ada",
      CONTEXT,
    );
    expect(refusalOf(open)).toMatchObject({ code: "not_authorised" });
  });

  it("a message is approved by a person, never by the engine", () => {
    expect(
      refusalOf(caseIn("active").try({ type: "approve_outreach", outreachId: "o1" }, ENGINE_ACTOR))
        .code,
    ).toBe("not_authorised");
  });

  it("is checked before the version: an outsider learns nothing about the case", () => {
    const events = caseIn("active").events;
    const stale = {
      type: "log_contact",
      version: 0,
      at: at(9),
      channel: "email",
      outcome: "reached",
    } as const;
    expect(refusalOf(decide(events, stale, "cai", CONTEXT)).code).toBe("not_authorised");
  });
});

describe("stale versions", () => {
  it("a command made on an older version is refused and adds nothing", () => {
    const log = caseIn("proposed").do(
      { type: "add_note", noteId: "n1", text: "hi", visibility: "team" },
      "ada",
    );
    const r = refusalOf(
      decide(log.events, { type: "confirm", version: 1, at: at(9) }, "ada", CONTEXT),
    );
    expect(r).toEqual({
      code: "stale_version",
      message: "Someone else changed this case just now; here it is as it stands.",
      why: "made on version 1; the case is at version 2",
    });
  });

  it("two advisers confirming the same version: the first wins, the second is stale", () => {
    const events = caseIn("proposed").events;
    const seen = events.length;
    const first = decide(events, { type: "confirm", version: seen, at: at(10) }, "ada", CONTEXT);
    expect(first.ok).toBe(true);
    const after = first.ok ? [...events, ...first.events] : events;
    const second = decide(after, { type: "confirm", version: seen, at: at(10) }, "dan", CONTEXT);
    expect(refusalOf(second).code).toBe("stale_version");
    expect(second.audit).toMatchObject({ actor: "dan", allowed: false, refusal: "stale_version" });
    expect(foldCase(after)).toMatchObject({ status: "active", assignee: "ada", version: seen + 1 });
  });

  it("is checked before the status: the loser hears the case changed, not that it is active", () => {
    const log = caseIn("proposed").do({ type: "confirm" }, "ada");
    expect(
      refusalOf(
        decide(
          log.events,
          { type: "dismiss", version: 1, at: at(9), reason: "data_error" },
          "dan",
          CONTEXT,
        ),
      ).code,
    ).toBe("stale_version");
  });
});

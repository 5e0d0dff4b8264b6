/**
 * What a reader sees: restricted note text only for its author, the assignee and an
 * engagement lead of the case's school; never demographics; full-detail reads audited.
 */
import { describe, expect, it } from "vitest";
import type { CaseState } from "../../src/cases/case-state.ts";
import { caseView } from "../../src/cases/case-view.ts";
import { readCase } from "../../src/cases/read-case.ts";
import { at, CASE_ID, CONTEXT, caseIn, EVIDENCE, ROSTER } from "./case-fixtures.ts";

/** Active case assigned to ada; dan writes a restricted note and a team note. */
function withNotes() {
  return caseIn("active")
    .do(
      {
        type: "add_note",
        noteId: "n1",
        text: "Disclosed a family illness.",
        visibility: "restricted",
      },
      "dan",
    )
    .do({ type: "add_note", noteId: "n2", text: "Left a voicemail.", visibility: "team" }, "dan");
}

function noteText(reader: string | null, noteId: string) {
  const note = caseView(withNotes().state, reader, ROSTER).notes.find((n) => n.noteId === noteId);
  return note?.text;
}

describe("restricted notes", () => {
  it("are shown to the author, the assignee and the school's engagement lead", () => {
    expect(noteText("dan", "n1")).toBe("Disclosed a family illness.");
    expect(noteText("ada", "n1")).toBe("Disclosed a family illness.");
    expect(noteText("lee", "n1")).toBe("Disclosed a family illness.");
  });

  it("are redacted for other team members, other schools' leads and channel cards", () => {
    for (const reader of ["ben", "lou", "adm", null]) {
      const view = caseView(withNotes().state, reader, ROSTER);
      expect(view.notes[0]).toEqual({
        noteId: "n1",
        author: { id: "dan", name: "Dan Example" },
        at: view.notes[0].at,
        visibility: "restricted",
        text: null,
        redacted: true,
      });
      expect(JSON.stringify(view)).not.toContain("family illness");
    }
  });

  it("team notes are shown to every reader", () => {
    expect(noteText("ben", "n2")).toBe("Left a voicemail.");
    expect(noteText(null, "n2")).toBe("Left a voicemail.");
  });

  it("follow the assignee: after reassignment the new assignee reads them", () => {
    const log = withNotes().do({ type: "reassign", assignee: "lee" }, "ada");
    expect(caseView(log.state, "ada", ROSTER).notes[0].redacted).toBe(true);
  });
});

describe("the view", () => {
  it("names people from the roster and keeps the evidence", () => {
    const view = caseView(withNotes().state, "ada", ROSTER);
    expect(view.assignee).toEqual({ id: "ada", name: "Ada Example" });
    expect(view.signals[0].conditions[0].evidence).toBe(EVIDENCE);
    expect(view.outreach[2].proposedBy).toEqual({ id: "ada", name: "Ada Example" });
  });

  it("never carries a field the state does not name, such as demographics", () => {
    const state = {
      ...withNotes().state,
      ethnicity: "SECRET-ETHNICITY",
      disability: "SECRET-D",
    } as CaseState;
    const text = JSON.stringify(caseView(state, "ada", ROSTER));
    expect(text).not.toContain("ethnicity");
    expect(text).not.toContain("SECRET");
  });
});

describe("readCase", () => {
  it("gives the view to someone allowed, and an audit entry", () => {
    const read = readCase(withNotes().events, "ada", at(50), CONTEXT);
    if (!read.allowed) expect.fail(read.why);
    expect(read.view.notes[0].text).toBe("Disclosed a family illness.");
    expect(read.audit).toEqual({
      actor: "ada",
      at: at(50),
      action: "read",
      caseId: CASE_ID,
      allowed: true,
      why: "adviser of this student",
    });
  });

  it("refuses someone else, and records the refusal", () => {
    const read = readCase(withNotes().events, "cai", at(50), CONTEXT);
    expect(read).toEqual({
      allowed: false,
      why: "not an adviser of this student",
      audit: {
        actor: "cai",
        at: at(50),
        action: "read",
        caseId: CASE_ID,
        allowed: false,
        why: "not an adviser of this student",
        refusal: "not_authorised",
      },
    });
  });
});

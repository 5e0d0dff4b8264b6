/**
 * Every command in every status, made by someone allowed to make it, on the current
 * version, with a valid payload: allowed exactly where the table in docs/cases.md says,
 * refused with `not_allowed_in_state` everywhere else. The expected table is written out
 * here, not read from the code.
 */
import { describe, expect, it } from "vitest";
import type { CaseCommandType } from "../../src/cases/case-commands.ts";
import { ENGINE_ACTOR, STUDENT_ACTOR } from "../../src/cases/case-vocabulary.ts";
import { type CommandBody, caseIn, type FixtureStatus, signal } from "./case-fixtures.ts";

const STATUSES: FixtureStatus[] = [
  "proposed",
  "active",
  "escalated",
  "resolved",
  "dismissed",
  "closed",
  "erased",
];

/** Where each command is allowed (decide_escalation has its own tests: it needs a proposal). */
const ALLOWED: Record<Exclude<CaseCommandType, "decide_escalation">, FixtureStatus[]> = {
  open: [],
  add_signal: ["proposed", "active", "escalated"],
  confirm: ["proposed"],
  reassign: ["active", "escalated"],
  dismiss: ["proposed"],
  snooze: ["proposed", "active", "escalated"],
  log_contact: ["active", "escalated"],
  add_note: ["proposed", "active", "escalated", "resolved", "dismissed"],
  propose_outreach: ["active", "escalated"],
  approve_outreach: ["active", "escalated"],
  record_outreach_sent: ["active", "escalated", "resolved"],
  record_outreach_failed: ["active", "escalated", "resolved"],
  record_student_reply: ["active", "escalated", "resolved"],
  opt_out: ["active", "escalated", "resolved", "dismissed", "closed"],
  propose_escalation: ["active"],
  resolve: ["active", "escalated"],
  reopen: ["resolved", "dismissed", "closed"],
  close: ["resolved", "escalated"],
  erase: ["proposed", "active", "escalated", "resolved", "dismissed", "closed"],
};

const COMMANDS: Record<keyof typeof ALLOWED, { body: CommandBody; actor: string }> = {
  open: {
    body: {
      type: "open",
      finding: {
        studentId: "stu-4821",
        policyId: "sef-eng",
        asOf: "2026-11-20",
        severity: "high",
        ruleIds: ["x"],
        signals: [signal("x")],
        inhibited: [],
      },
    },
    actor: ENGINE_ACTOR,
  },
  add_signal: {
    body: { type: "add_signal", asOf: "2026-11-21", signals: [signal("no-vle")], inhibited: [] },
    actor: ENGINE_ACTOR,
  },
  confirm: { body: { type: "confirm" }, actor: "ada" },
  reassign: { body: { type: "reassign", assignee: "dan" }, actor: "ada" },
  dismiss: { body: { type: "dismiss", reason: "data_error" }, actor: "ada" },
  snooze: { body: { type: "snooze", until: "2026-12-01" }, actor: "ada" },
  log_contact: {
    body: { type: "log_contact", channel: "phone", outcome: "no_answer" },
    actor: "ada",
  },
  add_note: {
    body: { type: "add_note", noteId: "n9", text: "Called home.", visibility: "team" },
    actor: "ada",
  },
  propose_outreach: {
    body: { type: "propose_outreach", outreachId: "o9", text: "Hello!" },
    actor: "ada",
  },
  approve_outreach: { body: { type: "approve_outreach", outreachId: "o1" }, actor: "ada" },
  record_outreach_sent: {
    body: { type: "record_outreach_sent", outreachId: "o2" },
    actor: ENGINE_ACTOR,
  },
  record_outreach_failed: {
    body: { type: "record_outreach_failed", outreachId: "o2", reason: "app_blocked" },
    actor: ENGINE_ACTOR,
  },
  record_student_reply: {
    body: { type: "record_student_reply", outreachId: "o3", reply: "doing_ok" },
    actor: STUDENT_ACTOR,
  },
  opt_out: { body: { type: "opt_out", outreachId: "o3" }, actor: STUDENT_ACTOR },
  propose_escalation: {
    body: { type: "propose_escalation", reason: "no answer to three calls" },
    actor: "ada",
  },
  resolve: { body: { type: "resolve", outcome: "referred" }, actor: "ada" },
  reopen: { body: { type: "reopen" }, actor: "ada" },
  close: { body: { type: "close" }, actor: "ada" },
  erase: { body: { type: "erase" }, actor: "adm" },
};

describe("which command is allowed in which status", () => {
  for (const [type, allowedIn] of Object.entries(ALLOWED) as [
    keyof typeof ALLOWED,
    FixtureStatus[],
  ][]) {
    for (const status of STATUSES) {
      const allowed = allowedIn.includes(status);
      it(`${type} in ${status}: ${allowed ? "allowed" : "refused"}`, () => {
        const log = caseIn(status);
        expect(log.state.status).toBe(status);
        const { body, actor } = COMMANDS[type];
        const decision = log.try(body, actor);
        if (allowed) {
          expect(decision.ok, decision.ok ? "" : decision.refusal.message).toBe(true);
        } else {
          expect(decision.ok).toBe(false);
          if (!decision.ok) expect(decision.refusal.code).toBe("not_allowed_in_state");
        }
      });
    }
  }
});

describe("where each transition leads", () => {
  it("confirm: proposed → active, assigned to the person confirming", () => {
    const log = caseIn("proposed").do({ type: "confirm" }, "ada");
    expect(log.state).toMatchObject({ status: "active", assignee: "ada" });
  });

  it("confirm may assign someone else who may work on the case", () => {
    const log = caseIn("proposed").do({ type: "confirm", assignee: "dan" }, "lee");
    expect(log.state).toMatchObject({ status: "active", assignee: "dan" });
  });

  it("dismiss: proposed → dismissed, with the reason", () => {
    const log = caseIn("proposed").do(
      { type: "dismiss", reason: "already_in_contact", text: "Seen her on Friday." },
      "ada",
    );
    expect(log.state.status).toBe("dismissed");
    expect(log.state.dismissal).toMatchObject({ reason: "already_in_contact", by: "ada" });
  });

  it("resolve: active → resolved; escalated → resolved", () => {
    expect(
      caseIn("active").do({ type: "resolve", outcome: "re_engaged" }, "ada").state.status,
    ).toBe("resolved");
    const escalated = caseIn("escalated").do({ type: "resolve", outcome: "referred" }, "lee");
    expect(escalated.state).toMatchObject({
      status: "resolved",
      resolution: { outcome: "referred" },
    });
  });

  it("close: resolved → closed; escalated → closed", () => {
    expect(caseIn("resolved").do({ type: "close" }, "ada").state.status).toBe("closed");
    expect(caseIn("escalated").do({ type: "close" }, "lee").state.status).toBe("closed");
  });

  it("reopen: resolved and closed → active (still assigned); dismissed → proposed", () => {
    expect(caseIn("resolved").do({ type: "reopen" }, "ada").state).toMatchObject({
      status: "active",
      assignee: "ada",
      resolution: undefined,
    });
    expect(caseIn("closed").do({ type: "reopen", reason: "new concern" }, "ada").state.status).toBe(
      "active",
    );
    const dismissed = caseIn("dismissed").do({ type: "reopen" }, "ada").state;
    expect(dismissed).toMatchObject({ status: "proposed", dismissal: undefined });
    expect(dismissed.assignee).toBeUndefined();
    expect(dismissed.counts).toMatchObject({ dismissals: 1, reopened: 1 });
  });

  it("snooze is a flag: the status stays as it was", () => {
    const log = caseIn("active").do({ type: "snooze", until: "2026-12-01" }, "ada");
    expect(log.state).toMatchObject({ status: "active", snoozedUntil: "2026-12-01" });
  });

  it("erase: any status → erased, which accepts nothing, not even reopen", () => {
    const log = caseIn("closed").do({ type: "erase" }, "adm");
    expect(log.state.status).toBe("erased");
    const reopen = log.try({ type: "reopen" }, "ada");
    expect(reopen.ok).toBe(false);
    if (!reopen.ok) expect(reopen.refusal.code).toBe("not_allowed_in_state");
  });
});

describe("escalation", () => {
  it("is proposed on an active case and accepted by the lead: active → escalated", () => {
    const log = caseIn("active").do({ type: "propose_escalation", reason: "no contact" }, "ada");
    expect(log.state.escalation).toMatchObject({ status: "pending", proposedBy: "ada" });
    log.do({ type: "decide_escalation", decision: "accept", note: "to attendance officer" }, "lee");
    expect(log.state.status).toBe("escalated");
    expect(log.state.escalation).toMatchObject({ status: "accepted", decidedBy: "lee" });
  });

  it("declined: the case stays active and may be proposed again", () => {
    const log = caseIn("active")
      .do({ type: "propose_escalation", reason: "no contact" }, ENGINE_ACTOR)
      .do({ type: "decide_escalation", decision: "decline" }, "lee");
    expect(log.state).toMatchObject({ status: "active", escalation: { status: "declined" } });
    expect(log.try({ type: "propose_escalation", reason: "still none" }, "ada").ok).toBe(true);
  });

  it("cannot be decided when none is pending, nor proposed twice", () => {
    const none = caseIn("active").try({ type: "decide_escalation", decision: "accept" }, "lee");
    expect(none.ok ? "" : none.refusal.code).toBe("not_allowed_in_state");
    const log = caseIn("active").do({ type: "propose_escalation", reason: "a" }, "ada");
    const twice = log.try({ type: "propose_escalation", reason: "b" }, "ada");
    expect(twice.ok ? "" : twice.refusal.message).toBe(
      "An escalation of this case is already awaiting a decision.",
    );
  });

  it("is decided by an engagement lead only", () => {
    const log = caseIn("active").do({ type: "propose_escalation", reason: "a" }, "ada");
    const byAdviser = log.try({ type: "decide_escalation", decision: "accept" }, "ada");
    expect(byAdviser.ok ? "" : byAdviser.refusal.code).toBe("not_authorised");
  });

  it("a pending escalation is withdrawn when the case is resolved", () => {
    const log = caseIn("active")
      .do({ type: "propose_escalation", reason: "a" }, "ada")
      .do({ type: "resolve", outcome: "re_engaged" }, "ada");
    expect(log.state.escalation?.status).toBe("withdrawn");
  });
});

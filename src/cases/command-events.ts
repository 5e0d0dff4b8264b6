/**
 * Turns a valid, authorised, up-to-date command that its case's status allows into the
 * events it records, after the checks that need the case itself (the assignee may work
 * on it, the note id is new, the snooze ends in the future…). Versions are positions:
 * the first new event gets the case's current version.
 */
import { parseIsoDay } from "../data/dates.ts";
import { type CaseSubject, mayWorkOn, type Roster } from "./authorise.ts";
import type { CaseCommand } from "./case-commands.ts";
import type { CaseEvent } from "./case-events.ts";
import type { CaseState } from "./case-state.ts";
import { type Refusal, refusal } from "./refusal.ts";

/** What the command needs besides the case: the case id to open, the student, the roster. */
export interface CommandSetting {
  caseId: string;
  subject: CaseSubject;
  roster: Roster;
}

type Made = { ok: true; events: CaseEvent[] } | { ok: false; refusal: Refusal };

type EventBody = CaseEvent extends infer E
  ? E extends CaseEvent
    ? Omit<E, "actor" | "at" | "version">
    : never
  : never;

export function eventsFor(
  state: CaseState | undefined,
  command: CaseCommand,
  actor: string,
  setting: CommandSetting,
): Made {
  const bodies = bodiesFor(state, command, actor, setting);
  if (!Array.isArray(bodies)) return { ok: false, refusal: bodies };
  const first = state?.version ?? 0;
  const events = bodies.map(
    (body, i) =>
      withoutUndefined({ ...body, actor, at: command.at, version: first + i }) as CaseEvent,
  );
  return { ok: true, events };
}

function bodiesFor(
  state: CaseState | undefined,
  command: CaseCommand,
  actor: string,
  { caseId, subject, roster }: CommandSetting,
): EventBody[] | Refusal {
  // `open` is the only command allowed without a state (transitions.ts); the others
  // reach here with one.
  if (command.type === "open") {
    const { finding } = command;
    const student = subject.student;
    if (student === undefined || student.id !== finding.studentId) {
      return invalid(
        `The finding is about student ${finding.studentId}, who is not the student given.`,
      );
    }
    if (finding.policyId !== subject.policy.id) {
      return invalid(`The finding is for policy ${finding.policyId}, not ${subject.policy.id}.`);
    }
    return [
      {
        type: "opened",
        caseId,
        policyId: finding.policyId,
        studentId: finding.studentId,
        school: student.school,
        severity: finding.severity,
        signals: finding.signals,
        inhibited: finding.inhibited,
        asOf: finding.asOf,
        policyVersion: command.policyVersion,
      },
    ];
  }
  const current = state as CaseState;
  switch (command.type) {
    case "add_signal": {
      const known = new Set(current.signals.map((s) => s.signal.ruleId));
      const added = [
        ...command.signals.map((signal) => ({ signal, inhibited: false })),
        ...command.inhibited.map((signal) => ({ signal, inhibited: true })),
      ];
      if (added.length === 0) return invalid("There is no signal to add.");
      for (const { signal } of added) {
        if (known.has(signal.ruleId)) {
          return invalid(`Rule ${signal.ruleId} is already a signal on this case.`);
        }
        known.add(signal.ruleId);
      }
      return added.map(({ signal, inhibited }) => ({
        type: "signal_added",
        signal,
        inhibited,
        asOf: command.asOf,
      }));
    }
    case "confirm": {
      const assignee = command.assignee ?? actor;
      const may = mayWorkOn(assignee, subject, roster);
      if (!may.allowed) return invalid(`${assignee} can't take this case.`, may.why);
      return [{ type: "confirmed", assignee }];
    }
    case "reassign": {
      if (command.assignee === current.assignee) {
        return invalid(`The case is already assigned to ${command.assignee}.`);
      }
      const may = mayWorkOn(command.assignee, subject, roster);
      if (!may.allowed) return invalid(`${command.assignee} can't take this case.`, may.why);
      return [{ type: "reassigned", from: current.assignee ?? actor, assignee: command.assignee }];
    }
    case "dismiss":
      if (command.reason === "other" && command.text === undefined) {
        return invalid("Please say in a few words why the case is dismissed (reason: other).");
      }
      return [{ type: "dismissed", reason: command.reason, text: command.text }];
    case "snooze": {
      const today = parseIsoDay(command.at);
      const until = parseIsoDay(command.until);
      if (today === undefined || until === undefined || until <= today) {
        return invalid(
          `A snooze must end after today; ${command.until} is not after ${command.at.slice(0, 10)}.`,
        );
      }
      return [{ type: "snoozed", until: command.until }];
    }
    case "log_contact":
      return [
        {
          type: "contact_attempted",
          channel: command.channel,
          outcome: command.outcome,
          note: command.note,
        },
      ];
    case "add_note":
      if (current.notes.some((n) => n.noteId === command.noteId)) {
        return invalid(`Note id ${command.noteId} is already used on this case.`);
      }
      return [
        {
          type: "note_added",
          noteId: command.noteId,
          text: command.text,
          visibility: command.visibility,
        },
      ];
    case "propose_outreach":
      if (current.outreach.some((o) => o.outreachId === command.outreachId)) {
        return invalid(`Message id ${command.outreachId} is already used on this case.`);
      }
      return [
        {
          type: "outreach_proposed",
          outreachId: command.outreachId,
          text: command.text,
          template: command.template,
        },
      ];
    case "approve_outreach": {
      if (current.optedOut !== undefined) {
        return refusal(
          "not_allowed_in_state",
          `The student asked Reach not to message them (on ${current.optedOut.at.slice(0, 10)}). Please contact them another way.`,
        );
      }
      const proposed = current.outreach.find((o) => o.outreachId === command.outreachId);
      const text = command.text ?? proposed?.text;
      if (text === undefined || text.trim() === "") {
        return invalid("The message is empty: write what the student should read.");
      }
      return [
        {
          type: "outreach_approved",
          outreachId: command.outreachId,
          text,
          template: command.template ?? proposed?.template,
          scheduledFor: command.scheduledFor,
        },
      ];
    }
    case "record_outreach_sent":
      return [
        { type: "outreach_sent", outreachId: command.outreachId, activityId: command.activityId },
      ];
    case "record_outreach_failed":
      return [
        {
          type: "outreach_failed",
          outreachId: command.outreachId,
          reason: command.reason,
          detail: command.detail,
        },
      ];
    case "opt_out":
      return [{ type: "student_opted_out", outreachId: command.outreachId }];
    case "record_student_reply":
      return [
        {
          type: "student_replied",
          outreachId: command.outreachId,
          reply: command.reply,
          text: command.text,
        },
      ];
    case "propose_escalation":
      return [{ type: "escalation_proposed", reason: command.reason }];
    case "decide_escalation":
      return [{ type: "escalation_decided", decision: command.decision, note: command.note }];
    case "resolve":
      if (command.outcome === "other" && command.note === undefined) {
        return invalid("Please say in a few words how the case was resolved (outcome: other).");
      }
      return [{ type: "resolved", outcome: command.outcome, note: command.note }];
    case "reopen":
      return [{ type: "reopened", reason: command.reason }];
    case "close":
      return [{ type: "closed" }];
    case "erase":
      return [{ type: "erased" }];
  }
}

function invalid(message: string, why?: string): Refusal {
  return refusal("invalid_input", message, why);
}

/** Stored events carry no `undefined` fields, so an event reads back exactly as written. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Case events: the append-only history a case is made of (docs/cases.md). Every event says
 * who (`actor`: a staff id, or "reach" for the engine), when (`at`, an ISO timestamp) and
 * on which case version it was made (`version`, which is also its position in the
 * history). The schemas validate a history read back from a store.
 *
 * Free-text fields accept an empty string because erasure blanks them and the erased
 * history must still read back; non-empty text is required at the command level.
 */
import { z } from "zod/v4";
import { SEVERITIES } from "../rules/index.ts";
import { CaseSignalSchema, IsoDateSchema } from "./case-signal.ts";
import {
  CONTACT_CHANNELS,
  CONTACT_OUTCOMES,
  DISMISS_REASONS,
  ESCALATION_DECISIONS,
  NOTE_VISIBILITIES,
  RESOLVE_OUTCOMES,
  STUDENT_REPLIES,
  UNREACHABLE_REASONS,
} from "./case-vocabulary.ts";

export const IsoTimestampSchema = z.iso.datetime({
  offset: true,
  error: "expected an ISO timestamp such as 2026-09-14T09:30:00Z",
});

const base = {
  actor: z.string().min(1, "an event needs an actor"),
  at: IsoTimestampSchema,
  version: z.number().int().nonnegative(),
};

const event = <T extends string, S extends z.core.$ZodLooseShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), ...base, ...shape });

export const OpenedEvent = event("opened", {
  caseId: z.string().min(1),
  policyId: z.string().min(1),
  studentId: z.string().min(1),
  school: z.string().min(1),
  severity: z.enum(SEVERITIES),
  /** The signals shown on the card, most severe first, as the finding had them. */
  signals: z.array(CaseSignalSchema),
  /** Signals hidden by severity inhibition: recorded, not shown. */
  inhibited: z.array(CaseSignalSchema),
  /** The "data as of" date of the finding. */
  asOf: IsoDateSchema,
  /** The version of the policy (policy history) whose run opened the case, when known. */
  policyVersion: z.number().int().positive().optional(),
});

export const SignalAddedEvent = event("signal_added", {
  signal: CaseSignalSchema,
  inhibited: z.boolean(),
  asOf: IsoDateSchema,
});

export const ConfirmedEvent = event("confirmed", { assignee: z.string().min(1) });

export const ReassignedEvent = event("reassigned", {
  from: z.string().min(1),
  assignee: z.string().min(1),
});

export const DismissedEvent = event("dismissed", {
  reason: z.enum(DISMISS_REASONS),
  text: z.string().optional(),
});

export const ContactAttemptedEvent = event("contact_attempted", {
  channel: z.enum(CONTACT_CHANNELS),
  outcome: z.enum(CONTACT_OUTCOMES),
  note: z.string().optional(),
});

export const NoteAddedEvent = event("note_added", {
  noteId: z.string().min(1),
  text: z.string(),
  visibility: z.enum(NOTE_VISIBILITIES),
});

export const OutreachProposedEvent = event("outreach_proposed", {
  outreachId: z.string().min(1),
  text: z.string(),
  template: z.string().optional(),
});

/**
 * `text` is the message as approved (possibly edited), exactly as the student gets it; the
 * approver signs it. `scheduledFor`: the instant quiet hours hold it back to.
 */
export const OutreachApprovedEvent = event("outreach_approved", {
  outreachId: z.string().min(1),
  text: z.string(),
  template: z.string().optional(),
  scheduledFor: z.string().optional(),
});

export const OutreachSentEvent = event("outreach_sent", {
  outreachId: z.string().min(1),
  /** The Teams activity id of the message, so a later update edits it in place. */
  activityId: z.string().optional(),
});

/** The approved message could not be delivered; the text stays on the case to send another way. */
export const OutreachFailedEvent = event("outreach_failed", {
  outreachId: z.string().min(1),
  reason: z.enum(UNREACHABLE_REASONS),
  detail: z.string().optional(),
});

/** The student asked Reach not to message them again. */
export const StudentOptedOutEvent = event("student_opted_out", {
  outreachId: z.string().optional(),
});

export const StudentRepliedEvent = event("student_replied", {
  outreachId: z.string().min(1),
  reply: z.enum(STUDENT_REPLIES),
  text: z.string().optional(),
});

export const SnoozedEvent = event("snoozed", { until: IsoDateSchema });

export const EscalationProposedEvent = event("escalation_proposed", { reason: z.string() });

export const EscalationDecidedEvent = event("escalation_decided", {
  decision: z.enum(ESCALATION_DECISIONS),
  note: z.string().optional(),
});

export const ResolvedEvent = event("resolved", {
  outcome: z.enum(RESOLVE_OUTCOMES),
  note: z.string().optional(),
});

export const ReopenedEvent = event("reopened", { reason: z.string().optional() });

export const ClosedEvent = event("closed", {});

export const ErasedEvent = event("erased", {});

export const CaseEventSchema = z.discriminatedUnion("type", [
  OpenedEvent,
  SignalAddedEvent,
  ConfirmedEvent,
  ReassignedEvent,
  DismissedEvent,
  ContactAttemptedEvent,
  NoteAddedEvent,
  OutreachProposedEvent,
  OutreachApprovedEvent,
  OutreachSentEvent,
  OutreachFailedEvent,
  StudentRepliedEvent,
  StudentOptedOutEvent,
  SnoozedEvent,
  EscalationProposedEvent,
  EscalationDecidedEvent,
  ResolvedEvent,
  ReopenedEvent,
  ClosedEvent,
  ErasedEvent,
]);
export type CaseEvent = z.output<typeof CaseEventSchema>;
export type CaseEventType = CaseEvent["type"];
export type CaseEventOf<T extends CaseEventType> = Extract<CaseEvent, { type: T }>;

/**
 * Reads a stored history: every event must be valid, the first must be `opened`, and each
 * event's version must be its position (a gap or a duplicate means a lost or doubled write).
 */
export function parseCaseEvents(
  input: unknown,
): { ok: true; events: CaseEvent[] } | { ok: false; message: string } {
  const parsed = z.array(CaseEventSchema).safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `event ${issue.path.join(".")}: ${issue.message}` };
  }
  const events = parsed.data;
  const problem = historyProblem(events);
  return problem === undefined ? { ok: true, events } : { ok: false, message: problem };
}

/**
 * What is wrong with the order of valid events as a case's history (see `parseCaseEvents`),
 * or undefined when nothing is.
 */
export function historyProblem(events: readonly CaseEvent[]): string | undefined {
  if (events.length > 0 && events[0].type !== "opened") {
    return `a case history starts with "opened", not "${events[0].type}"`;
  }
  for (let i = 0; i < events.length; i++) {
    if (events[i].version !== i) {
      return `event ${i} has version ${events[i].version}, expected ${i}`;
    }
    if (events[i].type === "erased" && i !== events.length - 1) {
      return `event ${i + 1} follows the erasure of the case`;
    }
  }
  return undefined;
}

/**
 * `value` with every object and array in it frozen: for events (and cards made from them)
 * that one reader keeps and hands to many, so none can change what another is given.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

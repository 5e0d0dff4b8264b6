/**
 * Case commands: what a person (from a card or a chat) or the engine asks of a case. Each
 * carries the case version it was made on and its time `at`; ids (notes, messages) are
 * made by the caller. The schemas are the one door for untrusted payloads, so their
 * messages are written for the person who sent the form.
 */
import { z } from "zod/v4";
import { IsoTimestampSchema } from "./case-events.ts";
import { CaseSignalSchema, FindingSchema, IsoDateSchema, show } from "./case-signal.ts";
import {
  CONTACT_CHANNELS,
  CONTACT_OUTCOMES,
  DISMISS_REASONS,
  ESCALATION_DECISIONS,
  MAX_TEXT_LENGTH,
  NOTE_VISIBILITIES,
  RESOLVE_OUTCOMES,
  STUDENT_REPLIES,
  UNREACHABLE_REASONS,
} from "./case-vocabulary.ts";

/** One of `values`, with a message that names them all whether the field is missing or wrong. */
function choice<const T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z.enum(values, {
    error: (issue) =>
      issue.input === undefined
        ? `${what} is required: one of ${values.join(", ")}`
        : `${what} must be one of ${values.join(", ")}, not ${show(issue.input)}`,
  });
}

function text(what: string) {
  return z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} must not be empty`)
    .max(MAX_TEXT_LENGTH, `${what} is longer than ${MAX_TEXT_LENGTH} characters`);
}

const optionalText = (what: string) => text(what).optional();
const id = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} is required`);

const base = {
  version: z
    .number({ error: "version (the case version the action was made on) is required" })
    .int()
    .nonnegative(),
  at: IsoTimestampSchema,
};

const command = <T extends string, S extends z.core.$ZodLooseShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), ...base, ...shape });

export const CaseCommandSchema = z.discriminatedUnion("type", [
  command("open", {
    finding: FindingSchema,
    /** The version of the policy (policy history) whose run opened the case, when known. */
    policyVersion: z.number().int().positive().optional(),
  }),
  command("add_signal", {
    asOf: IsoDateSchema,
    signals: z.array(CaseSignalSchema),
    inhibited: z.array(CaseSignalSchema),
  }),
  /** Without `assignee`, the person confirming takes the case. */
  command("confirm", { assignee: id("assignee").optional() }),
  command("reassign", { assignee: id("assignee") }),
  /** A reason in words is required when the reason is `other`. */
  command("dismiss", {
    reason: choice(DISMISS_REASONS, "a reason to dismiss"),
    text: optionalText("the dismissal note"),
  }),
  command("snooze", { until: IsoDateSchema }),
  command("log_contact", {
    channel: choice(CONTACT_CHANNELS, "the contact channel"),
    outcome: choice(CONTACT_OUTCOMES, "the contact outcome"),
    note: optionalText("the contact note"),
  }),
  command("add_note", {
    noteId: id("noteId"),
    text: text("the note"),
    visibility: choice(NOTE_VISIBILITIES, "the note's visibility"),
  }),
  command("propose_outreach", {
    outreachId: id("outreachId"),
    text: text("the message"),
    template: id("template").optional(),
  }),
  /**
   * Without `text`, the proposed text is approved as it stands. A message never proposed
   * is proposed and approved at once (an adviser writing and sending it). `scheduledFor`:
   * when quiet hours hold it back, the instant it may go.
   */
  command("approve_outreach", {
    outreachId: id("outreachId"),
    text: optionalText("the message"),
    template: id("template").optional(),
    scheduledFor: IsoTimestampSchema.optional(),
  }),
  command("record_outreach_sent", {
    outreachId: id("outreachId"),
    activityId: id("activityId").optional(),
  }),
  command("record_outreach_failed", {
    outreachId: id("outreachId"),
    reason: choice(UNREACHABLE_REASONS, "why the message could not be delivered"),
    detail: optionalText("the delivery failure"),
  }),
  command("opt_out", { outreachId: id("outreachId").optional() }),
  command("record_student_reply", {
    outreachId: id("outreachId"),
    reply: choice(STUDENT_REPLIES, "the student's reply"),
    text: optionalText("the reply text"),
  }),
  command("propose_escalation", { reason: text("the reason to escalate") }),
  command("decide_escalation", {
    decision: choice(ESCALATION_DECISIONS, "the decision"),
    note: optionalText("the decision note"),
  }),
  /** A note in words is required when the outcome is `other`. */
  command("resolve", {
    outcome: choice(RESOLVE_OUTCOMES, "an outcome"),
    note: optionalText("the resolution note"),
  }),
  command("reopen", { reason: optionalText("the reason to reopen") }),
  command("close", {}),
  command("erase", {}),
]);
export type CaseCommand = z.output<typeof CaseCommandSchema>;
export type CaseCommandType = CaseCommand["type"];
export type CaseCommandOf<T extends CaseCommandType> = Extract<CaseCommand, { type: T }>;

export const CASE_COMMAND_TYPES: readonly CaseCommandType[] = CaseCommandSchema.options.map(
  (o) => o.shape.type.value,
);

/**
 * Validates an untrusted payload (a card action's data). On failure, one sentence per
 * problem, naming the field.
 */
export function parseCaseCommand(
  input: unknown,
): { ok: true; command: CaseCommand } | { ok: false; message: string } {
  const type = (input as { type?: unknown } | null)?.type;
  if (typeof type !== "string" || !(CASE_COMMAND_TYPES as readonly string[]).includes(type)) {
    return {
      ok: false,
      message: `unknown action ${show(type)}: expected one of ${CASE_COMMAND_TYPES.join(", ")}`,
    };
  }
  const parsed = CaseCommandSchema.safeParse(input);
  if (parsed.success) return { ok: true, command: parsed.data };
  const message = parsed.error.issues
    .map((i) => (i.path.length > 0 ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
  return { ok: false, message };
}

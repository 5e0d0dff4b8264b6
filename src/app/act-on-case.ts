/**
 * A card's button, as a case command made by the person who clicked it. The card carries
 * the case (policy and case id) and the version it showed; the form's inputs arrive in the
 * same data. The clicker is identified by their Entra object id and matched to the staff
 * roster; `decide` then authorises, checks the version and the case's state.
 *
 * Outcomes:
 * - done: the events are stored with a card update (for everyone, by the delivery worker)
 *   and a one-line reply in the card's thread, and the clicker gets the new card at once;
 * - refused (not on the roster, not allowed, not in this state, bad input): nothing
 *   changes, the refusal is audited, and the clicker sees the case with a polite notice;
 * - stale (someone acted first): the clicker sees the fresh case and is asked to look again.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod/v4";
import type { CaseCommand } from "../cases/case-commands.ts";
import type { CaseEvent } from "../cases/case-events.ts";
import { decide } from "../cases/decide.ts";
import type { Staff } from "../data/schema.ts";
import type { StoredCase } from "../store/case-records.ts";
import { outboxIdFor } from "../store/ids.ts";
import type { Store } from "../store/store.ts";
import type { Directory } from "./directory.ts";

/** What every case card action carries. */
const CardDataSchema = z.object({
  caseId: z.string({ error: "caseId is missing" }).min(1, "caseId is missing"),
  policyId: z.string({ error: "policyId is missing" }).min(1, "policyId is missing"),
  version: z.coerce.number({ error: "version is missing" }).int().nonnegative(),
});

/** Verbs a person may use from a card (the rest are the engine's). */
export const CARD_VERBS = [
  "confirm",
  "dismiss",
  "snooze",
  "log_contact",
  "add_note",
  "resolve",
  "propose_escalation",
  "decide_escalation",
  "reopen",
  "close",
] as const;
export type CardVerb = (typeof CARD_VERBS)[number];

export type Notice = { tone: "refusal" | "stale" | "info" | "success"; text: string };

export type ActionOutcome =
  | { kind: "done"; stored: StoredCase; events: CaseEvent[]; notice: Notice; line: string }
  | { kind: "refused"; stored: StoredCase; notice: Notice }
  | { kind: "stale"; stored: StoredCase; notice: Notice }
  /** No case to show: the card is malformed, or the case is gone. */
  | { kind: "missing"; title: string; text: string };

const FORM_FIELDS: Record<CardVerb, readonly string[]> = {
  confirm: [],
  dismiss: ["reason", "text"],
  snooze: ["until"],
  log_contact: ["channel", "outcome", "note"],
  add_note: ["text", "visibility"],
  resolve: ["outcome", "note"],
  propose_escalation: ["reason"],
  decide_escalation: ["decision", "note"],
  reopen: ["reason"],
  close: [],
};

export interface ActionContext {
  store: Store;
  directory: Directory;
  /** ISO timestamp of the click. */
  at: string;
  /** Turns the events just stored into the thread's one line ("Alex Wilber confirmed…"). */
  describe: (events: readonly CaseEvent[], actorName: string) => string;
}

/** A form's empty fields arrive as "" (Teams) or are absent: both mean "not given". */
function formFields(verb: CardVerb, data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of FORM_FIELDS[verb]) {
    const value = data[field];
    if (typeof value === "string" && value.trim() === "") continue;
    if (value !== undefined && value !== null) out[field] = value;
  }
  return out;
}

export async function runCardAction(
  verb: string,
  rawData: unknown,
  aadObjectId: string | undefined,
  ctx: ActionContext,
): Promise<ActionOutcome> {
  const data = (rawData ?? {}) as Record<string, unknown>;
  const parsed = CardDataSchema.safeParse(data);
  if (!parsed.success) {
    return {
      kind: "missing",
      title: "This button could not be used",
      text: `The card's action is incomplete (${parsed.error.issues.map((i) => i.message).join("; ")}). Nothing was changed.`,
    };
  }
  const { caseId, policyId, version } = parsed.data;
  const stored = await ctx.store.getCase(policyId, caseId);
  const policy = ctx.directory.policies.get(policyId);
  if (stored === undefined || policy === undefined) {
    return {
      kind: "missing",
      title: "Case not found",
      text:
        stored === undefined
          ? "Reach has no such case any more (it may have been erased). Nothing was changed."
          : `Reach is not serving policy ${policyId} at the moment. Nothing was changed.`,
    };
  }
  if (!(CARD_VERBS as readonly string[]).includes(verb)) {
    return refusedWith(stored, `“${verb}” is not something this card can do. Nothing was changed.`);
  }
  const staff: Staff | undefined = ctx.directory.staffByAad(aadObjectId);
  if (staff === undefined) {
    await ctx.store.appendAudit(policyId, [
      {
        actor: aadObjectId ? `aad:${aadObjectId}` : "unknown",
        at: ctx.at,
        action: verb,
        caseId,
        allowed: false,
        why: "the Teams user is not on the staff roster",
        refusal: "not_authorised",
      },
    ]);
    return refusedWith(
      stored,
      "Sorry — Reach doesn't know you as a member of staff, so you can't act on this case. Nothing has changed. If you support this student, ask your engagement lead to add you to the staff roster.",
    );
  }
  const command = {
    type: verb,
    version,
    at: ctx.at,
    ...formFields(verb as CardVerb, data),
    ...(verb === "add_note" && { noteId: `note-${randomUUID()}` }),
  } as unknown as CaseCommand;
  const student = ctx.directory.students.get(studentOf(stored));
  const decision = decide(stored.events, command, staff.id, {
    caseId,
    student,
    policy,
    roster: ctx.directory.roster,
  });
  if (!decision.ok) {
    await ctx.store.appendAudit(policyId, [decision.audit]);
    const { code, message, why } = decision.refusal;
    if (code === "stale_version") return staleWith(stored);
    const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);
    const lead =
      code === "not_authorised"
        ? `Sorry, ${staff.name} — you can't do that on this case (${why ?? "not allowed"}).`
        : code === "invalid_input"
          ? `That didn't go through: ${sentence(message)}`
          : `That can't be done now: ${sentence(message)}`;
    return refusedWith(stored, `${lead} Nothing has changed.`);
  }
  const line = ctx.describe(decision.events, staff.name);
  const result = await ctx.store.appendCaseEvents({
    policyId,
    caseId,
    expectedVersion: stored.version,
    events: decision.events,
    outbox: [
      {
        id: outboxIdFor(caseId, stored.version, "card_update"),
        kind: "card_update",
        payload: { caseId },
        createdAt: ctx.at,
      },
      {
        id: outboxIdFor(caseId, stored.version, "thread_reply"),
        kind: "thread_reply",
        payload: { caseId, text: line },
        createdAt: ctx.at,
      },
    ],
    audit: [decision.audit],
  });
  if (!result.ok) {
    if (result.reason === "not_found") {
      return {
        kind: "missing",
        title: "Case not found",
        text: "The case is gone. Nothing was changed.",
      };
    }
    return staleWith(result.current);
  }
  return {
    kind: "done",
    stored: result.case,
    events: decision.events,
    notice: { tone: "success", text: `Done: ${line}` },
    line,
  };
}

/** The student a stored case is about (from its `opened` event). */
export function studentOf(stored: StoredCase): string {
  const first = stored.events[0];
  return first?.type === "opened" ? first.studentId : "";
}

function refusedWith(stored: StoredCase, text: string): ActionOutcome {
  return { kind: "refused", stored, notice: { tone: "refusal", text } };
}

function staleWith(stored: StoredCase): ActionOutcome {
  return {
    kind: "stale",
    stored,
    notice: {
      tone: "stale",
      text: "This card was out of date — someone acted on the case after it was shown. Here it is as it stands now; please check it and try again if you still need to.",
    },
  };
}

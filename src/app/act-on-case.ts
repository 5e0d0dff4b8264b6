/**
 * Acting on a case: a card's button (or a chat command) as a case command made by the
 * person who clicked it. The card carries the case (policy and case id) and the version it
 * showed; the form's inputs arrive in the same data.
 *
 * Checks, in order — each refusal is audited with who tried, what, and why:
 * 1. the clicker is on the staff roster (by their Entra object id): a stranger is told
 *    only that Reach does not know them, the same words whatever the payload named, so
 *    nothing about any case can be learnt by trying;
 * 2. the payload is a well-formed action (a case id, a policy id, a version);
 * 3. the policy is served and the case exists;
 * 4. the verb is one a person may use from a card;
 * 5. `decide`: authorised for this student's case, on the current version, allowed in
 *    the case's state, with valid input.
 *
 * Outcomes:
 * - done: the events are stored with a card update (for everyone, by the delivery worker)
 *   and a one-line reply in the card's thread; the clicker gets the new card at once;
 * - refused: nothing changes. The case comes back for display only when the clicker may
 *   read it, or when the click came from the channel where the card is posted (it shows
 *   nothing that channel does not already show); otherwise the notice stands alone;
 * - stale (someone acted first): the fresh case, with a request to look again.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod/v4";
import {
  authorise,
  type CaseCommand,
  type CaseEvent,
  type DecideContext,
  type Decision,
  decide,
  ENGINE_ACTOR,
  foldCase,
  proposalAfterAttempt,
  type RefusalCode,
  subjectOf,
} from "../cases/index.ts";
import { localDate, parseIsoDate } from "../data/dates.ts";
import type { Staff, Student } from "../data/schema.ts";
import type { Policy } from "../rules/index.ts";
import type { OutboxDraft, Store, StoredCase } from "../store/index.ts";
import { outboxIdFor } from "../store/index.ts";
import { actorLabel, auditRefusal, clip } from "./audit-refusal.ts";
import type { Directory } from "./directory.ts";

/** What every case card action carries. */
const CardDataSchema = z.object({
  caseId: z.string({ error: "caseId is missing" }).min(1, "caseId is missing").max(200),
  policyId: z.string({ error: "policyId is missing" }).min(1, "policyId is missing").max(100),
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
  /** `show`: the case, only where the clicker may see it (see the header). */
  | { kind: "refused"; show?: StoredCase; notice: Notice }
  | { kind: "stale"; show?: StoredCase; notice: Notice }
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

export interface CaseAction {
  /** The clicker's Entra object id, as Teams vouches for it. */
  aadObjectId: string | undefined;
  /** The button's verb, as it arrived (anything). */
  verb: unknown;
  /** The button's data, as it arrived (anything). */
  data: unknown;
  /** The conversation the click came from (a channel id without its `;messageid=` part). */
  conversationId: string | undefined;
  /** ISO timestamp of the click. */
  at: string;
}

export interface ActionContext {
  store: Store;
  directory: Directory;
  /** Turns the events just stored into the thread's one line ("Alex Wilber confirmed…"). */
  describe: (events: readonly CaseEvent[], actorName: string) => string;
}

export const STRANGER_TEXT =
  "Sorry — Reach doesn't know you as a member of staff, so you can't act on cases. Nothing has changed. If you support students, ask your engagement lead to add you to the staff roster.";

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

/** A card action's clicker, policy and case, looked up and checked; or the outcome to show. */
export interface ResolvedAction {
  staff: Staff;
  verb: string;
  data: Record<string, unknown>;
  policy: Policy;
  stored: StoredCase;
  student: Student | undefined;
  decideContext: DecideContext;
  /** The case as the clicker may be shown it on a refusal (see the header). */
  visible: StoredCase | undefined;
  version: number;
}

/**
 * Steps 1–3 of the header, shared by every action on a case card: who clicked, which
 * case, and what they may be shown. Refusals are audited here.
 */
export async function resolveAction(
  action: CaseAction,
  ctx: Pick<ActionContext, "store" | "directory">,
): Promise<ResolvedAction | ActionOutcome> {
  const { store, directory } = ctx;
  const verb = typeof action.verb === "string" ? clip(action.verb, 40) : "(none)";
  const data =
    typeof action.data === "object" && action.data !== null && !Array.isArray(action.data)
      ? (action.data as Record<string, unknown>)
      : {};
  const claimed = {
    policyId: typeof data.policyId === "string" ? data.policyId : undefined,
    caseId: typeof data.caseId === "string" ? data.caseId : undefined,
  };
  const refuse = (actor: string, why: string, refusal: RefusalCode) =>
    auditRefusal(store, directory, {
      actor,
      at: action.at,
      action: verb,
      ...claimed,
      why,
      refusal,
    });

  const staff: Staff | undefined = directory.staffByAad(action.aadObjectId);
  if (staff === undefined) {
    await refuse(
      actorLabel(action.aadObjectId),
      "the Teams user is not on the staff roster",
      "not_authorised",
    );
    return { kind: "refused", notice: { tone: "refusal", text: STRANGER_TEXT } };
  }
  const parsed = CardDataSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => i.message).join("; ");
    await refuse(staff.id, `the card's action is incomplete (${problems})`, "invalid_input");
    return {
      kind: "missing",
      title: "This button could not be used",
      text: `The card's action is incomplete (${problems}). Nothing was changed.`,
    };
  }
  const { caseId, policyId, version } = parsed.data;
  const policy = directory.policies.get(policyId);
  const stored = policy && (await store.getCase(policyId, caseId));
  if (policy === undefined || stored === undefined) {
    await refuse(
      staff.id,
      policy === undefined ? "the policy is not served" : "there is no such case",
      "invalid_input",
    );
    return {
      kind: "missing",
      title: "Case not found",
      text: "Reach has no such case (it may have been erased). Nothing was changed.",
    };
  }
  const student = directory.students.get(studentOf(stored));
  const decideContext = { caseId, student, policy, roster: directory.roster };
  // The case is shown back to someone who may read it, or in the channel it is posted in.
  const mayRead = authorise(
    staff.id,
    "read",
    subjectOf(foldCase(stored.events), decideContext),
    directory.roster,
  ).allowed;
  const binding = mayRead ? undefined : await store.getBinding(policyId);
  const inItsChannel = binding !== undefined && action.conversationId === binding.conversationId;
  const visible = mayRead || inItsChannel ? stored : undefined;
  return { staff, verb, data, policy, stored, student, decideContext, visible, version };
}

export function isOutcome(value: ResolvedAction | ActionOutcome): value is ActionOutcome {
  return "kind" in value;
}

export async function actOnCase(action: CaseAction, ctx: ActionContext): Promise<ActionOutcome> {
  const resolved = await resolveAction(action, ctx);
  if (isOutcome(resolved)) return resolved;
  const { staff, verb, data, stored, visible, version, decideContext } = resolved;
  if (!(CARD_VERBS as readonly string[]).includes(verb)) {
    await auditRefusal(ctx.store, ctx.directory, {
      actor: staff.id,
      at: action.at,
      action: verb,
      policyId: stored.policyId,
      caseId: stored.caseId,
      why: `“${verb}” is not an action on a case card`,
      refusal: "invalid_input",
    });
    return refusedWith(
      visible,
      `“${verb}” is not something this card can do. Nothing was changed.`,
    );
  }
  const command = {
    type: verb,
    version,
    at: action.at,
    ...formFields(verb as CardVerb, data),
    ...(verb === "add_note" && { noteId: `note-${randomUUID()}` }),
  } as unknown as CaseCommand;
  const decision = decide(stored.events, command, staff.id, decideContext);
  if (decision.ok && verb === "log_contact") {
    const followed = escalationAfterAttempt(
      stored,
      decision,
      resolved.policy,
      decideContext,
      action.at,
    );
    if (followed !== undefined) {
      return commitDecision(ctx, resolved, decision, action.at, followed.outbox, followed);
    }
  }
  return commitDecision(ctx, resolved, decision, action.at);
}

/**
 * A contact attempt that makes `unanswered_attempts` in a row without an answer: the
 * engine proposes the policy's escalation in the same change (as the daily sweep would the
 * next morning), with its own audit record and a line in the card's thread. The lead
 * decides; nothing is escalated here.
 */
function escalationAfterAttempt(
  stored: StoredCase,
  decision: Extract<Decision, { ok: true }>,
  policy: Policy,
  context: DecideContext,
  at: string,
): { events: CaseEvent[]; audit: Decision["audit"]; outbox: OutboxDraft[] } | undefined {
  const events = [...stored.events, ...decision.events];
  const today = parseIsoDate(localDate(at, policy.timezone));
  if (today === undefined) return undefined;
  const action = proposalAfterAttempt(stored.caseId, events, policy.escalation, today);
  if (action?.kind !== "propose_escalation") return undefined;
  const command = {
    type: "propose_escalation",
    version: action.version,
    at,
    reason: action.reason,
  } as CaseCommand;
  const proposal = decide(events, command, ENGINE_ACTOR, context);
  // Refused (the engine may not act on this case): the attempt stands alone, and the daily
  // sweep records the refusal when it comes to the case.
  if (!proposal.ok) return undefined;
  return {
    events: proposal.events,
    audit: proposal.audit,
    outbox: [
      {
        id: outboxIdFor(stored.caseId, action.version, "thread_reply"),
        kind: "thread_reply",
        payload: {
          caseId: stored.caseId,
          text: `Reach proposed an escalation to ${action.to}: ${action.reason}`,
        },
        createdAt: at,
      },
      // The case card in the leads' channel, where one is linked (skipped where none is).
      {
        id: outboxIdFor(stored.caseId, action.version, "leads_card"),
        kind: "leads_card",
        payload: { caseId: stored.caseId },
        createdAt: at,
      },
    ],
  };
}

/**
 * Step 5's outcome: a refusal audited and worded for the clicker, or the events stored
 * with a card update, a line in the card's thread and `extra` outbox entries.
 */
export async function commitDecision(
  ctx: ActionContext,
  resolved: Pick<ResolvedAction, "staff" | "stored" | "visible">,
  decision: Decision,
  at: string,
  extra: readonly OutboxDraft[] = [],
  /** The engine's change that follows the person's in the same append (an escalation proposed). */
  then?: { events: CaseEvent[]; audit: Decision["audit"] },
): Promise<ActionOutcome> {
  const { store } = ctx;
  const { staff, stored, visible } = resolved;
  const { policyId, caseId } = stored;
  if (!decision.ok) {
    await store.appendAudit(policyId, [decision.audit]);
    const { code, message, why } = decision.refusal;
    if (code === "stale_version") return staleWith(visible);
    const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);
    const lead =
      code === "not_authorised"
        ? `Sorry, ${staff.name} — you can't do that on this case (${why ?? "not allowed"}).`
        : code === "invalid_input"
          ? `That didn't go through: ${sentence(message)}`
          : `That can't be done now: ${sentence(message)}`;
    return refusedWith(visible, `${lead} Nothing has changed.`);
  }
  const line = ctx.describe(decision.events, staff.name);
  const result = await store.appendCaseEvents({
    policyId,
    caseId,
    expectedVersion: stored.version,
    events: [...decision.events, ...(then?.events ?? [])],
    outbox: [...caseFollowUps(caseId, stored.version, at, line), ...extra],
    audit: [decision.audit, ...(then ? [then.audit] : [])],
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
    events: [...decision.events, ...(then?.events ?? [])],
    notice: { tone: "success", text: `Done: ${line}` },
    line,
  };
}

/**
 * What a change to a case brings in Teams: its card updated for everyone, and — with a
 * `line` — that line in the card's thread. Ids from the case and the version changed, so a
 * retried change writes them once.
 */
export function caseFollowUps(
  caseId: string,
  version: number,
  at: string,
  line?: string,
): OutboxDraft[] {
  const update: OutboxDraft = {
    id: outboxIdFor(caseId, version, "card_update"),
    kind: "card_update",
    payload: { caseId },
    createdAt: at,
  };
  if (line === undefined) return [update];
  return [
    update,
    {
      id: outboxIdFor(caseId, version, "thread_reply"),
      kind: "thread_reply",
      payload: { caseId, text: line },
      createdAt: at,
    },
  ];
}

/** The student a stored case is about (from its `opened` event). */
export function studentOf(stored: StoredCase): string {
  const first = stored.events[0];
  return first?.type === "opened" ? first.studentId : "";
}

export function refusedWith(show: StoredCase | undefined, text: string): ActionOutcome {
  return { kind: "refused", ...(show && { show }), notice: { tone: "refusal", text } };
}

export function staleWith(show: StoredCase | undefined): ActionOutcome {
  return {
    kind: "stale",
    ...(show && { show }),
    notice: {
      tone: "stale",
      text: "This card was out of date — someone acted on the case after it was shown. Here it is as it stands now; please check it and try again if you still need to.",
    },
  };
}

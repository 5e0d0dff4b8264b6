/**
 * Messages to a student, written and approved by a person. Two steps on a case card:
 *
 * - *Propose message* (`proposeMessage`): the clicker, if they may message this student
 *   on this case, gets a draft — the template the case's signal suggests, filled in for
 *   this student (their first name, the adviser, a fact in plain words), and when it would
 *   go under the policy's quiet hours. Nothing changes; the read is audited.
 * - *Send* (`sendMessage`): the text as the adviser left it is checked (no sanction or
 *   deficit words, no scores, no placeholder left in); with problems, the draft comes back
 *   with them and the adviser's text, and nothing changes. Otherwise the case records who
 *   approved which exact text, and the message is queued for the student (due at the next
 *   time quiet hours allow) with the card update — the store refuses a message to a
 *   student without that approval in the same change.
 *
 * A student who asked Reach to stop messaging them (on any case) gets no draft to send.
 */
import { randomUUID } from "node:crypto";
import { type CaseCommand, type CaseState, decide, foldCase } from "../cases/index.ts";
import type { Staff, Student } from "../data/schema.ts";
import {
  checkMessageText,
  FALLBACK_TEMPLATE_ID,
  factFor,
  nextAllowedTime,
  renderTemplate,
  suggestedTemplateId,
  type Template,
  type TextProblem,
} from "../outreach/index.ts";
import type { Policy } from "../rules/index.ts";
import { outboxIdFor, type Store } from "../store/index.ts";
import {
  type ActionContext,
  type ActionOutcome,
  type CaseAction,
  commitDecision,
  isOutcome,
  type ResolvedAction,
  resolveAction,
} from "./act-on-case.ts";
import { firstNameOf } from "./directory.ts";

export interface MessageDraft {
  caseId: string;
  policyId: string;
  /** The case's version the draft was made on (the Send button carries it). */
  version: number;
  /** The template the text came from. */
  template: string;
  /** The text, filled in for this student: the adviser may edit it. */
  text: string;
  firstName: string;
  adviserName: string;
  schoolName: string;
  /** When quiet hours hold the message back: the instant it would go (ISO). */
  scheduledFor?: string;
  /** "Monday 7 December, 08:00 (Europe/London)". */
  scheduledLabel?: string;
  /** What is wrong with an edited text, each with its line and column. */
  problems?: string[];
  /** Set when the student asked not to be messaged: said instead of a Send button. */
  optedOut?: string;
}

export type DraftOutcome = ActionOutcome | { kind: "draft"; draft: MessageDraft };

export interface OutreachContext extends ActionContext {
  /** The usable templates by id, as loaded now. */
  templates: () => ReadonlyMap<string, Template>;
  /** A school's name for the student's message ("Northfield"), or its id. */
  schoolName: (schoolId: string) => string;
}

/** What a template falls back to when the folder has no usable one. */
const BUILT_IN: Template = {
  id: FALLBACK_TEMPLATE_ID,
  title: "General check-in",
  body: "Hi {first_name}, it's {adviser_name}. {fact}, so I wanted to check in and see how you're doing. If anything is making things harder at the moment, I'd be glad to help — just reply here.",
  file: "(built in)",
};

export async function proposeMessage(
  action: CaseAction,
  ctx: OutreachContext,
): Promise<DraftOutcome> {
  const resolved = await resolveAction(action, ctx);
  if (isOutcome(resolved)) return resolved;
  const state = foldCase(resolved.stored.events) as CaseState;
  const refused = await mayMessage(resolved, action.at, ctx);
  if (refused !== undefined) return refused;
  await ctx.store.appendAudit(resolved.stored.policyId, [
    {
      actor: resolved.staff.id,
      at: action.at,
      action: "propose_message",
      caseId: resolved.stored.caseId,
      allowed: true,
      why: "a draft message to the student, shown to the adviser who may send it",
    },
  ]);
  const templates = ctx.templates();
  const signals = state.signals.map((s) => s.signal);
  const templateId = suggestedTemplateId(signals, templates);
  const template = templates.get(templateId) ?? templates.get(FALLBACK_TEMPLATE_ID) ?? BUILT_IN;
  const names = namesFor(resolved.student, resolved.staff, state, ctx);
  const text = renderTemplate(template, {
    first_name: names.firstName,
    adviser_name: names.adviserName,
    fact: factFor(signals),
    school: names.schoolName,
  });
  return {
    kind: "draft",
    draft: {
      ...draftBase(resolved, names, template.id),
      text,
      ...schedule(resolved.policy, action.at),
      ...(await optedOutNotice(ctx.store, state, names.firstName)),
    },
  };
}

export async function sendMessage(action: CaseAction, ctx: OutreachContext): Promise<DraftOutcome> {
  const resolved = await resolveAction(action, ctx);
  if (isOutcome(resolved)) return resolved;
  const { stored, staff, policy, data } = resolved;
  const state = foldCase(stored.events) as CaseState;
  const names = namesFor(resolved.student, staff, state, ctx);
  const text = typeof data.text === "string" ? data.text.replace(/\r\n?/g, "\n").trim() : "";
  const template =
    typeof data.template === "string" && ctx.templates().has(data.template)
      ? data.template
      : FALLBACK_TEMPLATE_ID;
  const timing = schedule(policy, action.at);
  const redraft = (extra: Partial<MessageDraft>): DraftOutcome => ({
    kind: "draft",
    draft: { ...draftBase(resolved, names, template), text, ...timing, ...extra },
  });
  const optedOut = await optedOutNotice(ctx.store, state, names.firstName);
  if (optedOut.optedOut !== undefined) return redraft(optedOut);
  const problems =
    text === "" ? ["The message is empty."] : checkMessageText(text).map(problemLine);
  if (problems.length > 0) return redraft({ problems });

  const outreachId = `msg-${randomUUID()}`;
  const command = {
    type: "approve_outreach",
    version: resolved.version,
    at: action.at,
    outreachId,
    text,
    template,
    ...(timing.scheduledFor !== undefined && { scheduledFor: timing.scheduledFor }),
  } as CaseCommand;
  const decision = decide(stored.events, command, staff.id, resolved.decideContext);
  return commitDecision(ctx, resolved, decision, action.at, [
    {
      id: outboxIdFor(stored.caseId, stored.version, "student_message"),
      kind: "student_message",
      payload: { caseId: stored.caseId, outreachId, text },
      createdAt: action.at,
      dueAt: timing.scheduledFor ?? action.at,
    },
  ]);
}

/** "Line 2, column 14: “warning” can read as a sanction (say what you noticed instead)". */
function problemLine(p: TextProblem): string {
  const hint = p.hint === undefined ? "" : ` (${p.hint})`;
  return `Line ${p.line}, column ${p.column}: ${p.message}${hint}`;
}

/**
 * May the clicker message the student on this case now? Checked as the approval itself
 * would be (the same `decide`), so the draft is offered only to someone whose Send would
 * be accepted; a refusal is audited and worded as any other.
 */
async function mayMessage(
  resolved: ResolvedAction,
  at: string,
  ctx: OutreachContext,
): Promise<ActionOutcome | undefined> {
  const trial = {
    type: "approve_outreach",
    version: resolved.version,
    at,
    outreachId: "draft",
    text: "draft",
  } as CaseCommand;
  const decision = decide(resolved.stored.events, trial, resolved.staff.id, resolved.decideContext);
  if (decision.ok) return undefined;
  return commitDecision(
    ctx,
    resolved,
    { ...decision, audit: { ...decision.audit, action: "propose_message" } },
    at,
  );
}

interface Names {
  firstName: string;
  adviserName: string;
  schoolName: string;
}

function namesFor(
  student: Student | undefined,
  staff: Staff,
  state: CaseState,
  ctx: OutreachContext,
): Names {
  return {
    firstName: firstNameOf(student, "there"),
    adviserName: staff.name,
    schoolName: ctx.schoolName(student?.school ?? state.school),
  };
}

function draftBase(resolved: ResolvedAction, names: Names, template: string) {
  return {
    caseId: resolved.stored.caseId,
    policyId: resolved.stored.policyId,
    version: resolved.version,
    template,
    ...names,
  };
}

/** When a message approved at `at` may go: now, or the end of the policy's quiet hours. */
function schedule(
  policy: Policy,
  at: string,
): Pick<MessageDraft, "scheduledFor" | "scheduledLabel"> {
  const now = new Date(at);
  const next = nextAllowedTime(now, policy.timezone, policy.quietHours);
  if (next.getTime() <= now.getTime()) return {};
  const label = new Intl.DateTimeFormat("en-GB", {
    timeZone: policy.timezone,
    weekday: "long",
    day: "numeric",
    month: "long",
    hour: "2-digit",
    minute: "2-digit",
  }).format(next);
  return { scheduledFor: next.toISOString(), scheduledLabel: `${label} (${policy.timezone})` };
}

/**
 * When the student asked Reach to stop messaging them — on this case or any other of
 * theirs — the sentence the adviser sees instead of a Send button.
 */
async function optedOutNotice(
  store: Store,
  state: CaseState,
  firstName: string,
): Promise<Pick<MessageDraft, "optedOut">> {
  const at = await optedOutAt(store, state);
  if (at === undefined) return {};
  return {
    optedOut: `${firstName} asked Reach not to message them (on ${at.slice(0, 10)}). Please contact them another way.`,
  };
}

/**
 * When the student of `state` asked Reach to stop messaging them — on this case or any
 * other of theirs — or undefined. Checked before a draft is offered and again before a
 * message goes (it may have waited for quiet hours meanwhile).
 */
export async function optedOutAt(store: Store, state: CaseState): Promise<string | undefined> {
  if (state.optedOut !== undefined) return state.optedOut.at;
  for (const summary of await store.listCases({ studentId: state.studentId })) {
    if (summary.caseId === state.caseId) continue;
    const stored = await store.getCase(summary.policyId, summary.caseId);
    const other = stored && foldCase(stored.events);
    if (other?.optedOut !== undefined) return other.optedOut.at;
  }
  return undefined;
}

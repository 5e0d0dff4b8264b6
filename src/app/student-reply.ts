/**
 * A student answering a message Reach delivered for their adviser: "I'd like to talk",
 * "I'm OK, thanks", a reply in their own words, or "Stop these messages".
 *
 * The clicker is identified only by their Entra object id as Teams vouches for it, looked
 * up among the students in the data; the button names a case and a message, and the case
 * must be about that very student (`decide` checks it, as the student actor). Anyone else
 * — another student, a member of staff, a stranger — is refused with the same words, and
 * learns nothing about the case; every refusal is audited.
 *
 * Done: the reply (or opt-out) is recorded on the case, the channel card is updated and
 * says it in its thread, and the case's adviser is told in their personal chat.
 */
import { z } from "zod/v4";
import {
  type CaseCommand,
  type CaseEvent,
  type CaseState,
  decide,
  type RefusalCode,
  STUDENT_ACTOR,
} from "../cases/index.ts";
import { type OutboxDraft, outboxIdFor, type Store } from "../store/index.ts";
import { caseFollowUps, studentOf } from "./act-on-case.ts";
import { actorLabel, auditRefusal } from "./audit-refusal.ts";
import { type Directory, firstNameOf } from "./directory.ts";

const ReplyDataSchema = z.object({
  caseId: z.string().min(1).max(200),
  policyId: z.string().min(1).max(100),
  outreachId: z.string().min(1).max(100),
  reply: z.enum(["would_like_to_talk", "doing_ok", "other"]).optional(),
  text: z.string().optional(),
});

/** As the reply box allows; a longer one (from a client that ignores it) is sent back. */
export const MAX_REPLY_CHARS = 1000;

export const STUDENT_VERBS = ["student_reply", "opt_out"] as const;

export interface StudentAction {
  aadObjectId: string | undefined;
  verb: unknown;
  data: unknown;
  at: string;
}

export interface StudentReplyContext {
  store: Store;
  directory: Directory;
  /** The thread's line for the events just stored, naming the student by first name. */
  describe: (events: readonly CaseEvent[], actorName: string) => string;
}

export type StudentReplyOutcome =
  | { kind: "done"; title: string; text: string; caseId: string; policyId: string }
  | { kind: "refused"; title: string; text: string };

/** The same words for every refusal: nothing about the case or the message is revealed. */
export const NOT_YOURS = {
  kind: "refused",
  title: "This button isn't for you",
  text: "Reach can only take an answer from the student the message was sent to. Nothing was recorded.",
} as const;

export async function answerMessage(
  action: StudentAction,
  ctx: StudentReplyContext,
): Promise<StudentReplyOutcome> {
  const { store, directory } = ctx;
  const verb = typeof action.verb === "string" ? action.verb.slice(0, 40) : "(none)";
  const parsed = ReplyDataSchema.safeParse(action.data);
  const claimed = parsed.success
    ? { policyId: parsed.data.policyId, caseId: parsed.data.caseId }
    : {};
  const refuse = async (why: string, refusal: RefusalCode, actor?: string) => {
    await auditRefusal(store, directory, {
      actor: actor ?? actorLabel(action.aadObjectId),
      at: action.at,
      action: verb,
      ...claimed,
      why,
      refusal,
    });
    return NOT_YOURS;
  };
  const student = directory.studentByAad(action.aadObjectId);
  if (student === undefined) {
    return refuse("the Teams user is not a student in the data", "not_authorised");
  }
  if (!parsed.success || !(STUDENT_VERBS as readonly string[]).includes(verb)) {
    return refuse("the message's button is incomplete or unknown", "invalid_input", STUDENT_ACTOR);
  }
  const { policyId, caseId, outreachId, reply } = parsed.data;
  const policy = directory.policies.get(policyId);
  const stored = policy && (await store.getCase(policyId, caseId));
  if (policy === undefined || stored === undefined) {
    return refuse("there is no such case", "invalid_input", STUDENT_ACTOR);
  }
  const text = parsed.data.text?.trim();
  const command = (
    verb === "opt_out"
      ? { type: "opt_out", outreachId }
      : {
          type: "record_student_reply",
          outreachId,
          reply: reply ?? "other",
          ...(text && { text }),
        }
  ) as Record<string, unknown>;
  const decision = decide(
    stored.events,
    { ...command, version: stored.version, at: action.at } as CaseCommand,
    STUDENT_ACTOR,
    {
      caseId,
      student: directory.students.get(studentOf(stored)),
      policy,
      roster: directory.roster,
      actingStudentId: student.id,
    },
  );
  if (!decision.ok) {
    await store.appendAudit(policyId, [decision.audit]);
    if (decision.refusal.code === "not_authorised") return NOT_YOURS;
    return {
      kind: "refused",
      title: "That couldn't be recorded",
      text: "Reach couldn't record that just now. Nothing was changed; please try again, or reply to your adviser directly.",
    };
  }
  // Checked once the clicker is known to be this case's student: nobody else learns anything.
  if (text !== undefined && text.length > MAX_REPLY_CHARS) {
    await refuse(
      `the reply is longer than ${MAX_REPLY_CHARS} characters`,
      "invalid_input",
      STUDENT_ACTOR,
    );
    return {
      kind: "refused",
      title: "That reply is too long",
      text: `Please keep a reply to ${MAX_REPLY_CHARS.toLocaleString("en-GB")} characters or fewer. Nothing was sent.`,
    };
  }
  if (command.type === "record_student_reply" && command.reply === "other" && !text) {
    await refuse("the reply is empty", "invalid_input", STUDENT_ACTOR);
    return {
      kind: "refused",
      title: "Nothing to send",
      text: "Please write your reply in the box first.",
    };
  }
  const firstName = firstNameOf(student, "The student");
  const line = ctx.describe(decision.events, firstName);
  const outbox: OutboxDraft[] = [
    ...caseFollowUps(caseId, stored.version, action.at, line),
    ...adviserMessage(decision.state, caseId, stored.version, line, action.at),
  ];
  const result = await store.appendCaseEvents({
    policyId,
    caseId,
    expectedVersion: stored.version,
    events: decision.events,
    outbox,
    audit: [decision.audit],
  });
  if (!result.ok) {
    return {
      kind: "refused",
      title: "That couldn't be recorded",
      text: "Something changed at the same moment. Please press the button again.",
    };
  }
  return {
    kind: "done",
    caseId,
    policyId,
    ...thanks(command, firstName, decision.state, directory),
  };
}

/** The case's adviser hears of the answer in their personal chat (when someone has the case). */
function adviserMessage(
  state: CaseState,
  caseId: string,
  version: number,
  line: string,
  at: string,
): OutboxDraft[] {
  if (state.assignee === undefined) return [];
  return [
    {
      id: outboxIdFor(caseId, version, "staff_message"),
      kind: "staff_message",
      payload: {
        caseId,
        staffId: state.assignee,
        text: `${line.replace(/\.$/, "")} — on case ${caseId}. Say \`case ${caseId}\` to open it.`,
      },
      createdAt: at,
    },
  ];
}

function thanks(
  command: Record<string, unknown>,
  firstName: string,
  state: CaseState,
  directory: Directory,
): { title: string; text: string } {
  const adviser = state.assignee ? directory.roster.get(state.assignee)?.name : undefined;
  const who = adviser ?? "Your adviser";
  if (command.type === "opt_out") {
    return {
      title: "You won't get messages from Reach",
      text: `Thanks, ${firstName}. Reach won't message you again. If you'd like to talk to someone, you can still contact ${adviser ?? "your adviser"} directly.`,
    };
  }
  if (command.reply === "would_like_to_talk") {
    return {
      title: "Thanks for letting us know",
      text: `Thanks, ${firstName} — ${who} will be in touch soon.`,
    };
  }
  if (command.reply === "doing_ok") {
    return {
      title: "Thanks for letting us know",
      text: `Thanks, ${firstName}. Glad to hear it. If anything changes, just reply here.`,
    };
  }
  return {
    title: "Your reply was sent",
    text: `Thanks, ${firstName}. ${who} will read your reply.`,
  };
}

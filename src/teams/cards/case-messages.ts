/**
 * The "Messages to the student" section of a case card: each message's stage in words
 * ("Approved by Alex Wilber · scheduled for Mon 7 Dec, 08:00", "Sent 5 Dec, 12:03",
 * "Couldn't reach Ben in Teams: …"), the adviser's text as approved (the team sees what
 * was sent; it is the adviser's message, not a note), and the student's replies in words.
 * Times are in the policy's time zone, named in the section's heading.
 */
import type { CaseView } from "../../cases/index.ts";
import { formatDayMonth, formatLocalTime, shorten } from "./format.ts";
import { labelOf, phraseOf, STUDENT_REPLY_LABELS, UNREACHABLE_REASON_LABELS } from "./labels.ts";

type OutreachView = CaseView["outreach"][number];

/**
 * How much of the messages a card shows: the newest 3, the last 3 replies of each, a free
 * reply cut to 200 characters, and each text cut to 600, except the newest undelivered
 * one, shown whole so that it can be sent another way. With the most a case card can
 * otherwise hold, the card stays under 28 KB.
 */
export const MESSAGE_LIMITS = { messages: 3, replies: 3, reply: 200, text: 600 } as const;

export interface MessagesInput {
  view: Pick<CaseView, "outreach" | "optedOut" | "erased" | "status">;
  /** The student's first name; "the student" when unknown. */
  firstName: string | undefined;
  /** The policy's IANA time zone; UTC when none. */
  timezone: string | undefined;
}

export interface MessagesModel {
  hasMessagesSection: boolean;
  messagesHeading: string;
  hasOptedOut: boolean;
  optedOutLine: string;
  messages: MessageModel[];
  hasEarlierMessages: boolean;
  earlierMessages: string;
}

interface MessageModel {
  stage: string;
  stageColor: string;
  hasText: boolean;
  text: string;
  replies: { who: string; words: string; when: string }[];
}

export function messagesOf(input: MessagesInput): MessagesModel {
  const { view, timezone } = input;
  const erased = view.erased || view.status === "erased";
  const name = input.firstName?.trim() || undefined;
  const Name = name ?? "The student";
  const shown = erased ? [] : [...view.outreach].reverse().slice(0, MESSAGE_LIMITS.messages);
  const earlier = erased ? 0 : view.outreach.length - shown.length;
  const optedOut = erased ? undefined : view.optedOut;
  const undelivered = shown.find(isUndelivered);
  return {
    hasMessagesSection: shown.length > 0 || optedOut !== undefined,
    messagesHeading: `Messages to the student (times in ${timezone ?? "UTC"})`,
    hasOptedOut: optedOut !== undefined,
    optedOutLine:
      optedOut === undefined
        ? ""
        : `${Name} asked Reach not to message them (${formatDayMonth(optedOut.at, timezone)}).`,
    messages: shown.map((o) =>
      messageModel(o, { name: name ?? "the student", Name, timezone, whole: o === undelivered }),
    ),
    hasEarlierMessages: earlier > 0,
    earlierMessages: earlier === 1 ? "and 1 earlier message" : `and ${earlier} earlier messages`,
  };
}

function messageModel(
  o: OutreachView,
  who: { name: string; Name: string; timezone: string | undefined; whole: boolean },
): MessageModel {
  const { stage, color } = stageOf(o, who.name, who.timezone);
  const text = who.whole ? o.text.trim() : shorten(o.text, MESSAGE_LIMITS.text);
  return {
    stage,
    stageColor: color,
    hasText: text !== "",
    text,
    replies: o.replies.slice(-MESSAGE_LIMITS.replies).map((r) => ({
      who: `${who.Name} replied: `,
      words:
        r.reply === "other"
          ? `“${shorten(r.text ?? "", MESSAGE_LIMITS.reply)}”`
          : replyWords(r.reply),
      when: ` · ${formatLocalTime(r.at, who.timezone)}`,
    })),
  };
}

function isUndelivered(o: OutreachView): boolean {
  return o.stage === "failed" || o.failure !== undefined;
}

/** "I'd like to talk", "I'm OK, thanks". */
function replyWords(reply: string): string {
  if (reply === "doing_ok") return "I'm OK, thanks";
  return labelOf(STUDENT_REPLY_LABELS, reply);
}

function stageOf(
  o: OutreachView,
  name: string,
  timezone: string | undefined,
): { stage: string; color: string } {
  const approver = o.approvedBy?.name ?? o.proposedBy.name;
  if (isUndelivered(o)) {
    const reason = phraseOf(UNREACHABLE_REASON_LABELS, o.failure?.reason ?? "other");
    return {
      stage: `Couldn't reach ${name} in Teams: ${reason}. The approved text is below, to send another way.`,
      color: "attention",
    };
  }
  switch (o.stage) {
    case "proposed":
      return { stage: `Proposed by ${o.proposedBy.name}, not approved yet`, color: "default" };
    case "approved":
      return o.scheduledFor === undefined
        ? { stage: `Approved by ${approver} · sending now`, color: "accent" }
        : {
            stage: `Approved by ${approver} · scheduled for ${formatLocalTime(o.scheduledFor, timezone, true)}`,
            color: "warning",
          };
    case "sent":
      return {
        stage:
          o.sentAt === undefined
            ? `Sent · approved by ${approver}`
            : `Sent ${formatLocalTime(o.sentAt, timezone)} · approved by ${approver}`,
        color: "good",
      };
    default:
      return { stage: o.stage.replaceAll("_", " "), color: "default" };
  }
}

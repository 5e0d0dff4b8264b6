/**
 * What each outbox entry becomes in Teams. Cards are rendered at send time from the case
 * as it is then, so a card update always shows the latest state even if updates were
 * queued out of order, and an erased case's card shows only that it was erased.
 *
 * - `case_card`: a new thread in the channel bound to the policy (waits until one is);
 * - `card_update`: edits the case's card where it was posted; skipped when a card this
 *   process sent there since already showed the change (several changes to a case in a
 *   row, queued behind Teams' limits, go out as one update);
 * - `thread_reply`: one line in the card's thread;
 * - `channel_notice`: a plain message to the channel bound to the policy, about the policy
 *   itself (waits until a channel is bound);
 * - `student_message`: an approved message, as a card in the student's 1:1 chat with Reach.
 *   Where the student has none yet, Reach installs itself for them through Microsoft Graph
 *   and uses the chat that makes. A student Teams cannot reach (no Entra id in the data,
 *   no Teams account, the app or the chat blocked) is recorded on the case, which keeps
 *   the approved text to send another way; once sent, the case records the activity;
 * - `staff_message`: a line to one member of staff in their personal chat with Reach
 *   (skipped when they have none: the card in the channel says the same);
 * - `digest`: the policy's weekly digest as a card, in its leads' channel, else in the
 *   policy's own channel (waits until one is linked);
 * - `leads_card`: the case's card, posted in the policy's leads' channel when an
 *   escalation is proposed (skipped when none is linked, or when it is the policy's own
 *   channel: the case card there carries the escalation already).
 */
import {
  type DeliveryOutcome,
  type Digest,
  type DirectoryHolder,
  firstNameOf,
  optedOutAt,
  recordDelivery,
  unreachableReasonOf,
} from "../app/index.ts";
import { foldCase } from "../cases/index.ts";
import type { Delivery, OutgoingActivity, Planner, Settled } from "../delivery/index.ts";
import type { ConversationRecord, OutboxEntry, Store } from "../store/index.ts";
import { cardUpdateVersionOf, outboxIdFor } from "../store/index.ts";
import { renderDigestCard } from "./cards/digest-card.ts";
import type { AppChatResult, PersonalChat } from "./graph.ts";
import { personalConversationRecord } from "./graph.ts";
import { CARD_CONTENT_TYPE, type Presenter } from "./presenter.ts";

/** What the planner needs to reach students and staff in their personal chats. */
export interface PersonalDelivery {
  directory: DirectoryHolder;
  /** Installs Reach for a user and answers their chat (absent: Graph is not set up). */
  appChat?: (userAadObjectId: string) => Promise<AppChatResult>;
  /** The bot's Teams identity, for the conversation a Graph install makes. */
  bot: { id: string; name: string };
  /** A school's name as students know it, or its id. */
  schoolName: (schoolId: string) => string;
  now: () => Date;
}

/** How long an entry waits when it cannot go yet (no channel bound, card not yet posted). */
const NOT_BOUND_WAIT_MS = 60_000;
const CARD_PENDING_WAIT_MS = 2_000;
/** Cases whose shown card this process remembers; past it, it forgets them all. */
const SHOWN_LIMIT = 100_000;

/** A case's card as sent to Teams: where it is, and the case's version it showed. */
interface ShownCard {
  activityId: string;
  version: number;
}

interface Planned {
  key: string;
  version: number;
  activityId?: string;
}

export class TeamsPlanner implements Planner {
  /**
   * Per case (policy and case id), the newest version of the case a card sent to its
   * thread showed, as far as this process knows (another instance's sends are not here,
   * and an unknown case is simply updated).
   */
  private readonly shown = new Map<string, ShownCard>();
  /**
   * Per planned post or update not yet settled (by entry): its case, and what its card
   * shows (a post's activity id comes when it is sent).
   */
  private readonly planned = new Map<string, Planned>();

  constructor(
    private readonly store: Store,
    private readonly presenter: Presenter,
    private readonly personal?: PersonalDelivery,
  ) {}

  /** The channel bound to the policy, or a wait until one is. */
  private async channelOf(policyId: string): Promise<string | Delivery> {
    const binding = await this.store.getBinding(policyId);
    if (binding !== undefined) return binding.conversationId;
    return {
      op: "wait",
      reason: `no channel is linked to policy ${policyId} yet`,
      retryAfterMs: NOT_BOUND_WAIT_MS,
    };
  }

  private async notice(entry: OutboxEntry, text: unknown): Promise<Delivery> {
    if (typeof text !== "string" || text === "") {
      return { op: "skip", reason: "the notice has no text" };
    }
    const channel = await this.channelOf(entry.policyId);
    if (typeof channel !== "string") return channel;
    return {
      op: "post",
      conversationId: channel,
      activity: {
        type: "message",
        text,
        textFormat: "markdown",
        channelData: { reachOutboxId: entry.id },
      },
    };
  }

  /** The weekly digest: to the leads' channel, else the policy's channel, else a wait. */
  private async digest(entry: OutboxEntry): Promise<Delivery> {
    const digest = entry.payload;
    if (!isDigest(digest) || digest.policyId !== entry.policyId) {
      return { op: "skip", reason: "the entry holds no digest of its policy" };
    }
    const leads = await this.store.getBinding(entry.policyId, "leads");
    const channel = leads?.conversationId ?? (await this.channelOf(entry.policyId));
    if (typeof channel !== "string") return channel;
    return {
      op: "post",
      conversationId: channel,
      activity: {
        type: "message",
        attachments: [{ contentType: CARD_CONTENT_TYPE, content: renderDigestCard(digest) }],
        summary: `Weekly digest of ${digest.policyName}: ${digest.week.from} to ${digest.week.to}`,
        channelData: { reachOutboxId: entry.id },
      },
    };
  }

  /** A case's card in the policy's leads' channel (an escalation proposed). */
  private async leadsCard(entry: OutboxEntry, caseId: string): Promise<Delivery> {
    const leads = await this.store.getBinding(entry.policyId, "leads");
    if (leads === undefined) return { op: "skip", reason: "no leads' channel is linked" };
    const cases = await this.store.getBinding(entry.policyId);
    if (cases?.conversationId === leads.conversationId) {
      return { op: "skip", reason: "the leads' channel is the policy's channel, with the card" };
    }
    const card = await this.card(entry.policyId, caseId);
    if (card === undefined) return { op: "skip", reason: "the case no longer exists" };
    return {
      op: "post",
      conversationId: leads.conversationId,
      activity: { ...card.activity, channelData: { reachOutboxId: entry.id } },
    };
  }

  async plan(entry: OutboxEntry): Promise<Delivery> {
    const payload = (entry.payload ?? {}) as { caseId?: unknown; text?: unknown };
    if (entry.kind === "channel_notice") return this.notice(entry, payload.text);
    if (entry.kind === "digest") return this.digest(entry);
    const caseId = typeof payload.caseId === "string" ? payload.caseId : entry.caseId;
    if (caseId === undefined) return { op: "skip", reason: "the entry names no case" };
    const marker = { reachOutboxId: entry.id };

    if (entry.kind === "student_message") return this.studentMessage(entry, caseId);
    if (entry.kind === "staff_message") return this.staffMessage(entry);
    if (entry.kind === "leads_card") return this.leadsCard(entry, caseId);
    if (entry.kind === "case_card") {
      const channel = await this.channelOf(entry.policyId);
      if (typeof channel !== "string") return channel;
      const card = await this.card(entry.policyId, caseId);
      if (card === undefined) return { op: "skip", reason: "the case no longer exists" };
      this.plannedSet(entryKey(entry), {
        key: caseKey(entry.policyId, caseId),
        version: card.version,
      });
      return {
        op: "post",
        conversationId: channel,
        activity: { ...card.activity, channelData: marker },
      };
    }
    // Updates and replies need the case's card: the entry its opening change wrote
    // (version 0), once posted.
    const posted = await this.store.getOutboxEntry({
      policyId: entry.policyId,
      id: outboxIdFor(caseId, 0, "case_card"),
    });
    if (posted === undefined) return { op: "skip", reason: "the case has no card" };
    if (posted.status === "dead") return { op: "skip", reason: "the case's card was never posted" };
    if (posted.status === "pending" || posted.activityId === undefined) {
      return {
        op: "wait",
        reason: "the case's card is not posted yet",
        retryAfterMs: CARD_PENDING_WAIT_MS,
      };
    }
    // The policy's channel: a policy linked to another channel since (rare) leaves its
    // older cards where they were, and their updates fail there and are dead-lettered.
    const target = (await this.store.getBinding(entry.policyId))?.conversationId;
    if (target === undefined) return { op: "skip", reason: "the policy's channel was unlinked" };
    if (entry.kind === "thread_reply") {
      const text = typeof payload.text === "string" ? payload.text : undefined;
      if (text === undefined) return { op: "skip", reason: "the reply has no text (erased)" };
      return {
        op: "reply",
        conversationId: target,
        threadActivityId: posted.activityId,
        activity: { type: "message", text, textFormat: "plain", channelData: marker },
      };
    }
    const key = caseKey(entry.policyId, caseId);
    const change = cardUpdateVersionOf(entry.id);
    const shown = this.shown.get(key);
    if (
      change !== undefined &&
      shown !== undefined &&
      shown.activityId === posted.activityId &&
      shown.version > change
    ) {
      return { op: "skip", reason: "the card sent since already shows this change" };
    }
    const card = await this.card(entry.policyId, caseId);
    if (card === undefined) return { op: "skip", reason: "the case no longer exists" };
    this.plannedSet(entryKey(entry), {
      key,
      version: card.version,
      activityId: posted.activityId,
    });
    return {
      op: "update",
      conversationId: target,
      activityId: posted.activityId,
      activity: { ...card.activity, channelData: marker },
    };
  }

  /**
   * A case card or card update sent: what its card showed is noted. A message to a
   * student: delivered, or recorded on the case as undeliverable.
   */
  async settled(entry: OutboxEntry, outcome: Settled): Promise<void> {
    this.noteShown(entry, outcome);
    if (entry.kind !== "student_message" || this.personal === undefined) return;
    const payload = (entry.payload ?? {}) as { caseId?: unknown; outreachId?: unknown };
    if (typeof payload.caseId !== "string" || typeof payload.outreachId !== "string") return;
    await this.record(
      entry,
      payload.caseId,
      payload.outreachId,
      outcome.kind === "sent"
        ? { kind: "sent", activityId: outcome.activityId }
        : {
            kind: "unreachable",
            reason: unreachableReasonOf(outcome.error),
            detail: outcome.error,
          },
    );
  }

  /**
   * Notes what a planned entry's card shows until it settles. One let go unsettled (its
   * claim ran out) is planned again, replacing this, or forgotten when the map is full.
   */
  private plannedSet(key: string, value: Planned): void {
    if (this.planned.size >= SHOWN_LIMIT) this.planned.clear();
    this.planned.set(key, value);
  }

  /** A sent case card or card update: its thread now shows the version it was planned with. */
  private noteShown(entry: OutboxEntry, outcome: Settled): void {
    const planned = this.planned.get(entryKey(entry));
    if (planned === undefined) return;
    this.planned.delete(entryKey(entry));
    if (outcome.kind !== "sent") return;
    const activityId = planned.activityId ?? outcome.activityId;
    if (activityId === undefined) return;
    const card: ShownCard = { activityId, version: planned.version };
    const before = this.shown.get(planned.key);
    if (
      before !== undefined &&
      before.activityId === card.activityId &&
      before.version >= card.version
    ) {
      return;
    }
    if (this.shown.size >= SHOWN_LIMIT) this.shown.clear();
    this.shown.set(planned.key, card);
  }

  private async record(
    entry: OutboxEntry,
    caseId: string,
    outreachId: string,
    outcome: DeliveryOutcome,
  ): Promise<void> {
    if (this.personal === undefined) return;
    const at = this.personal.now().toISOString();
    await recordDelivery(
      this.store,
      this.personal.directory.get(),
      { policyId: entry.policyId, caseId, outreachId, at },
      outcome,
    );
  }

  private async studentMessage(entry: OutboxEntry, caseId: string): Promise<Delivery> {
    const payload = (entry.payload ?? {}) as { outreachId?: unknown; text?: unknown };
    if (typeof payload.text !== "string" || typeof payload.outreachId !== "string") {
      return { op: "skip", reason: "the message has no text (erased)" };
    }
    const outreachId = payload.outreachId;
    if (this.personal === undefined) {
      return { op: "skip", reason: "this Reach does not deliver messages to students" };
    }
    const stored = await this.store.getCase(entry.policyId, caseId);
    const state = stored && foldCase(stored.events);
    if (state === undefined || state.erased) return { op: "skip", reason: "the case is erased" };
    const message = state.outreach.find((o) => o.outreachId === outreachId);
    if (message?.stage !== "approved") {
      return { op: "skip", reason: "the message's delivery is already recorded" };
    }
    if ((await optedOutAt(this.store, state)) !== undefined) {
      await this.record(entry, caseId, outreachId, { kind: "unreachable", reason: "opted_out" });
      return { op: "skip", reason: "the student asked Reach not to message them" };
    }
    const directory = this.personal.directory.get();
    const student = directory.students.get(state.studentId);
    const unreachable = async (reason: DeliveryOutcome & { kind: "unreachable" }) => {
      await this.record(entry, caseId, outreachId, reason);
      return {
        op: "skip",
        reason: `the student cannot be reached in Teams (${reason.reason})`,
      } as const;
    };
    const aad = student?.aadObjectId;
    if (aad === undefined || aad === "") {
      return unreachable({ kind: "unreachable", reason: "not_in_data" });
    }
    const chat = await this.personalChat(aad);
    if (typeof chat !== "string") return unreachable(chat);
    const adviser = message.approvedBy ? directory.roster.get(message.approvedBy) : undefined;
    const card = this.presenter.studentMessage({
      caseId,
      policyId: entry.policyId,
      outreachId,
      firstName: firstNameOf(student, "there"),
      adviserName: adviser?.name ?? "A member of staff",
      schoolName: this.personal.schoolName(state.school),
      text: payload.text,
    });
    return {
      op: "post",
      conversationId: chat,
      activity: {
        type: "message",
        attachments: [{ contentType: CARD_CONTENT_TYPE, content: card }],
        summary: `A message from ${adviser?.name ?? "your school"}`,
        channelData: { reachOutboxId: entry.id },
      },
    };
  }

  /**
   * The user's personal chat with Reach: the one recorded when they opened Reach, else one
   * Graph makes by installing Reach for them (recorded for next time).
   */
  private async personalChat(
    aad: string,
  ): Promise<string | (DeliveryOutcome & { kind: "unreachable" })> {
    const known = await this.personalConversationOf(aad);
    if (known !== undefined) return known.id;
    const appChat = this.personal?.appChat;
    if (appChat === undefined) {
      return {
        kind: "unreachable",
        reason: "other",
        detail:
          "the student has not opened Reach in Teams, and Reach is not set up to install itself for students (docs/deployment.md)",
      };
    }
    const result = await appChat(aad);
    if (!result.ok) return { kind: "unreachable", reason: result.reason, detail: result.detail };
    const template = await this.anyReference();
    if (template === undefined) {
      return {
        kind: "unreachable",
        reason: "other",
        detail: "Reach has no Teams conversation yet to learn the tenant's service address from",
      };
    }
    const bot = this.personal?.bot ?? { id: "", name: "Reach" };
    const chat: PersonalChat = {
      chatId: result.chatId,
      serviceUrl: template.serviceUrl,
      tenantId: template.tenantId,
      botId: bot.id,
      botName: bot.name,
      userAadObjectId: aad,
    };
    await this.store.saveConversation(
      personalConversationRecord(chat, (this.personal?.now() ?? new Date()).toISOString()),
    );
    return result.chatId;
  }

  private async personalConversationOf(aad: string): Promise<ConversationRecord | undefined> {
    const chats = await this.store.listConversations({ kind: "personal", userAadObjectId: aad });
    return chats.find((c) => c.removedAt === undefined);
  }

  /** The service address and tenant of a conversation Reach already has. */
  private async anyReference(): Promise<{ serviceUrl: string; tenantId: string } | undefined> {
    for (const c of await this.store.listConversations()) {
      const ref = c.reference as { serviceUrl?: unknown } | null;
      if (typeof ref?.serviceUrl === "string" && c.tenantId !== undefined) {
        return { serviceUrl: ref.serviceUrl, tenantId: c.tenantId };
      }
    }
    return undefined;
  }

  /** A line to a member of staff in their personal chat with Reach. */
  private async staffMessage(entry: OutboxEntry): Promise<Delivery> {
    const payload = (entry.payload ?? {}) as { staffId?: unknown; text?: unknown };
    if (typeof payload.text !== "string" || typeof payload.staffId !== "string") {
      return { op: "skip", reason: "the message has no text (erased)" };
    }
    const staff = this.personal?.directory.get().roster.get(payload.staffId);
    const aad = staff?.aadObjectId;
    const chat = aad ? await this.personalConversationOf(aad) : undefined;
    if (chat === undefined) {
      return { op: "skip", reason: "the member of staff has no personal chat with Reach" };
    }
    return {
      op: "post",
      conversationId: chat.id,
      activity: {
        type: "message",
        text: payload.text,
        textFormat: "markdown",
        channelData: { reachOutboxId: entry.id },
      },
    };
  }

  /** The case's card as it is now, and the case's version it shows. */
  private async card(
    policyId: string,
    caseId: string,
  ): Promise<{ activity: OutgoingActivity; version: number } | undefined> {
    const stored = await this.store.getCase(policyId, caseId);
    if (stored === undefined) return undefined;
    const card = this.presenter.caseCard(stored, null);
    return {
      activity: {
        type: "message",
        attachments: [{ contentType: CARD_CONTENT_TYPE, content: card }],
        summary: this.presenter.summary(stored),
      },
      version: stored.version,
    };
  }
}

function caseKey(policyId: string, caseId: string): string {
  return `${policyId}\u0000${caseId}`;
}

function entryKey(entry: OutboxEntry): string {
  return `${entry.policyId}\u0000${entry.id}`;
}

/** Whether a stored payload has the shape of a `Digest` where the planner reads it. */
function isDigest(value: unknown): value is Digest {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const d = value as Record<string, unknown>;
  const range = (r: unknown) =>
    typeof r === "object" &&
    r !== null &&
    typeof (r as Record<string, unknown>).from === "string" &&
    typeof (r as Record<string, unknown>).to === "string";
  return (
    typeof d.policyId === "string" &&
    typeof d.policyName === "string" &&
    typeof d.date === "string" &&
    range(d.week) &&
    range(d.previousWeek) &&
    typeof d.cases === "object" &&
    d.cases !== null &&
    typeof (d.cases as Record<string, unknown>).opened === "number"
  );
}

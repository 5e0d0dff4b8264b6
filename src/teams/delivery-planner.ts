/**
 * What each outbox entry becomes in Teams. Cards are rendered at send time from the case
 * as it is then, so a card update always shows the latest state even if updates were
 * queued out of order, and an erased case's card shows only that it was erased.
 *
 * - `case_card`: a new thread in the channel bound to the policy (waits until one is);
 * - `card_update`: edits the case's card where it was posted;
 * - `thread_reply`: one line in the card's thread;
 * - `channel_notice`: a plain message to the channel bound to the policy, about the policy
 *   itself (waits until a channel is bound);
 * - `student_message`: not delivered by this version (skipped with a reason).
 */
import type { Delivery, OutgoingActivity, Planner } from "../delivery/index.ts";
import type { OutboxEntry, Store } from "../store/index.ts";
import { outboxIdFor } from "../store/index.ts";
import { CARD_CONTENT_TYPE, type Presenter } from "./presenter.ts";

/** How long an entry waits when it cannot go yet (no channel bound, card not yet posted). */
const NOT_BOUND_WAIT_MS = 60_000;
const CARD_PENDING_WAIT_MS = 2_000;

export class TeamsPlanner implements Planner {
  constructor(
    private readonly store: Store,
    private readonly presenter: Presenter,
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

  async plan(entry: OutboxEntry): Promise<Delivery> {
    const payload = (entry.payload ?? {}) as { caseId?: unknown; text?: unknown };
    if (entry.kind === "channel_notice") return this.notice(entry, payload.text);
    const caseId = typeof payload.caseId === "string" ? payload.caseId : entry.caseId;
    if (caseId === undefined) return { op: "skip", reason: "the entry names no case" };
    const marker = { reachOutboxId: entry.id };

    if (entry.kind === "student_message") {
      return { op: "skip", reason: "messages to students are not delivered by this version" };
    }
    if (entry.kind === "case_card") {
      const channel = await this.channelOf(entry.policyId);
      if (typeof channel !== "string") return channel;
      const card = await this.card(entry.policyId, caseId);
      if (card === undefined) return { op: "skip", reason: "the case no longer exists" };
      return {
        op: "post",
        conversationId: channel,
        activity: { ...card, channelData: marker },
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
    const card = await this.card(entry.policyId, caseId);
    if (card === undefined) return { op: "skip", reason: "the case no longer exists" };
    return {
      op: "update",
      conversationId: target,
      activityId: posted.activityId,
      activity: { ...card, channelData: marker },
    };
  }

  private async card(policyId: string, caseId: string): Promise<OutgoingActivity | undefined> {
    const stored = await this.store.getCase(policyId, caseId);
    if (stored === undefined) return undefined;
    const card = this.presenter.caseCard(stored, null);
    return {
      type: "message",
      attachments: [{ contentType: CARD_CONTENT_TYPE, content: card }],
      summary: this.presenter.summary(stored),
    };
  }
}

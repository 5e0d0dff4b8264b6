/**
 * The delivery worker's two ports. A `Planner` turns an outbox entry into what to send
 * (it knows cards, cases and channel bindings); a `Connector` sends it to Teams (Bot
 * Framework's connector in production, a recording or limit-enforcing one in tests and
 * benchmarks). The worker between them (worker.ts) owns pacing, retries, dead-lettering
 * and never posting twice.
 */
import type { OutboxEntry } from "../store/index.ts";

/** A Bot Framework activity as Reach sends it (a message with text and/or card attachments). */
export interface OutgoingActivity {
  type: "message";
  text?: string;
  textFormat?: "plain" | "markdown" | "xml";
  attachments?: { contentType: string; content: unknown }[];
  /** Reach's own marker: the outbox id that produced this activity (for reconciliation). */
  channelData?: Record<string, unknown>;
  summary?: string;
}

/** What one outbox entry becomes. `conversationId` is also the pacing key. */
export type Delivery =
  /** A new message: a new thread when the conversation is a channel. */
  | { op: "post"; conversationId: string; activity: OutgoingActivity }
  /** A reply in the thread started by `threadActivityId`. */
  | { op: "reply"; conversationId: string; threadActivityId: string; activity: OutgoingActivity }
  /** Replace the message `activityId` (a card posted earlier) for everyone. */
  | { op: "update"; conversationId: string; activityId: string; activity: OutgoingActivity }
  /** Nothing to send, ever (the case was erased, the card it updates is gone): marked sent. */
  | { op: "skip"; reason: string }
  /** Not yet (no channel bound to the policy, the card to update not yet posted). */
  | { op: "wait"; reason: string; retryAfterMs: number };

/** How an entry ended: sent (with the activity posted, when known), or given up on. */
export type Settled = { kind: "sent"; activityId?: string } | { kind: "dead"; error: string };

export interface Planner {
  plan(entry: OutboxEntry): Promise<Delivery>;
  /**
   * Told once an entry is recorded sent or dead-lettered, so what the entry was for can
   * record it (a message to a student: delivered, or why not). A failure here is logged;
   * the entry stays settled.
   */
  settled?(entry: OutboxEntry, outcome: Settled): Promise<void>;
}

/** An HTTP failure from Teams, with what the worker needs to decide to retry. */
export class ConnectorError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** From a `Retry-After` header, in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "ConnectorError";
  }
}

export interface Connector {
  /** Posts and answers the new activity's id. Throws `ConnectorError` on an HTTP failure. */
  post(conversationId: string, activity: OutgoingActivity): Promise<{ activityId: string }>;
  reply(
    conversationId: string,
    threadActivityId: string,
    activity: OutgoingActivity,
  ): Promise<{ activityId: string }>;
  update(conversationId: string, activityId: string, activity: OutgoingActivity): Promise<void>;
  /**
   * The id of an activity posted earlier with `channelData.reachOutboxId === outboxId`, if
   * the connector can tell (undefined: not found; null: this connector cannot look).
   */
  find?(conversationId: string, outboxId: string): Promise<string | undefined | null>;
}

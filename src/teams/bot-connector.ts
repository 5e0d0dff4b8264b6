/**
 * The delivery worker's connector to Teams: Bot Framework's connector API through the
 * adapter's `continueConversationAsync`, with the conversation reference recorded at
 * install. New cards start a thread in the channel; replies go into the card's thread
 * (`<channel>;messageid=<card>`); updates edit the card in place for everyone.
 *
 * HTTP failures become `ConnectorError`s with the status and any `Retry-After`, so the
 * worker can pace and retry. The Bot Connector API cannot look up a posted activity, so
 * this connector has no `find` (see docs/delivery.md for what that means after a crash).
 */
import type { CloudAdapter, ConversationReference, TurnContext } from "botbuilder";
import { type Connector, ConnectorError, type OutgoingActivity } from "../delivery/index.ts";
import type { Store } from "../store/index.ts";

export class BotConnector implements Connector {
  constructor(
    private readonly adapter: CloudAdapter,
    /** The bot's app id; empty in local mode. */
    private readonly appId: string,
    private readonly store: Store,
  ) {}

  async post(conversationId: string, activity: OutgoingActivity): Promise<{ activityId: string }> {
    const id = await this.send(conversationId, conversationId, (ctx) =>
      sendAs(ctx, activity, undefined),
    );
    return { activityId: id };
  }

  async reply(
    conversationId: string,
    threadActivityId: string,
    activity: OutgoingActivity,
  ): Promise<{ activityId: string }> {
    const thread = `${conversationId};messageid=${threadActivityId}`;
    const id = await this.send(conversationId, thread, (ctx) =>
      sendAs(ctx, activity, threadActivityId),
    );
    return { activityId: id };
  }

  async update(
    conversationId: string,
    activityId: string,
    activity: OutgoingActivity,
  ): Promise<void> {
    await this.send(conversationId, conversationId, async (ctx) => {
      await ctx.updateActivity({ ...activity, id: activityId });
      return { id: activityId };
    });
  }

  private async send(
    conversationId: string,
    targetId: string,
    act: (ctx: TurnContext) => Promise<{ id?: string } | undefined>,
  ): Promise<string> {
    const record = await this.store.getConversation(conversationId);
    if (record === undefined || record.removedAt !== undefined) {
      throw new ConnectorError(
        record === undefined
          ? `Reach has no record of conversation ${conversationId}: it must be installed there first`
          : `Reach was removed from conversation ${conversationId}`,
        404,
      );
    }
    const base = record.reference as unknown as ConversationReference;
    const reference = { ...base, conversation: { ...base.conversation, id: targetId } };
    let id: string | undefined;
    // A failure inside the turn is kept here, not thrown into the turn: the adapter hands
    // errors thrown there to the bot's turn-error handler, which swallows them, and the
    // worker would see "no activity id" instead of Teams' 400, 403 or 429 and its
    // Retry-After.
    let failure: { error: unknown } | undefined;
    try {
      await this.adapter.continueConversationAsync(this.appId, reference, async (ctx) => {
        try {
          id = (await act(ctx))?.id;
        } catch (error) {
          failure = { error };
        }
      });
    } catch (error) {
      throw toConnectorError(error);
    }
    if (failure !== undefined) throw toConnectorError(failure.error);
    if (id === undefined) throw new ConnectorError("Teams answered without an activity id", 502);
    return id;
  }
}

/**
 * Sends in a proactive turn as a new message (`replyToId` undefined: `POST
 * /v3/conversations/{id}/activities`) or as a reply to `replyToId`. `sendActivity` alone
 * would make every message a reply to the continuation activity's made-up id (botbuilder
 * copies the turn's activity id into `replyToId`), which is not a message in Teams.
 */
function sendAs(
  ctx: TurnContext,
  activity: OutgoingActivity,
  replyToId: string | undefined,
): Promise<{ id?: string } | undefined> {
  ctx.onSendActivities(async (_ctx, activities, next) => {
    for (const a of activities) {
      if (replyToId === undefined) delete a.replyToId;
      else a.replyToId = replyToId;
    }
    return next();
  });
  return ctx.sendActivity(activity);
}

function toConnectorError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = error as {
    statusCode?: number;
    message?: string;
    code?: string;
    response?: { status?: number; headers?: { get?(name: string): string | undefined } };
  };
  const status = e.statusCode ?? e.response?.status ?? 0;
  const retryAfter = e.response?.headers?.get?.("retry-after");
  const seconds = retryAfter === undefined ? Number.NaN : Number(retryAfter);
  const retryAfterMs = Number.isFinite(seconds)
    ? seconds * 1000
    : retryAfter
      ? Math.max(0, Date.parse(retryAfter) - Date.now())
      : undefined;
  // Teams' error code (`MessageWritesBlocked`, …) says why a message was refused.
  const code = status && e.code && !/^\d+$/.test(e.code) ? ` ${e.code}` : "";
  return new ConnectorError(
    `${status || e.code || "network error"}${code}: ${String(e.message ?? error).slice(0, 200)}`,
    status,
    Number.isFinite(retryAfterMs) ? retryAfterMs : undefined,
  );
}

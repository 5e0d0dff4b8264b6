/**
 * Installation: when Reach is added to a team it records the team's channels, and when a
 * user installs it in a personal chat (or it joins a group chat) it records that chat —
 * each with the conversation reference needed to post there later without being spoken
 * to first. When it is removed, the records are kept but marked removed, so nothing is
 * posted there any more.
 */
import { type Activity, TeamsInfo, TurnContext } from "botbuilder";
import type { Logger } from "../log.ts";
import type { ConversationKind, ConversationRecord, Json, Store } from "../store/index.ts";

interface TeamsChannelData {
  team?: { id?: string; name?: string; aadGroupId?: string };
  channel?: { id?: string; name?: string };
  tenant?: { id?: string };
  eventType?: string;
}

export function channelDataOf(activity: Partial<Activity>): TeamsChannelData {
  return (activity.channelData ?? {}) as TeamsChannelData;
}

export function conversationKindOf(activity: Partial<Activity>): ConversationKind {
  const type = activity.conversation?.conversationType;
  if (type === "channel") return "channel";
  if (type === "groupChat") return "groupChat";
  return "personal";
}

/** The reference to reach `conversationId` (a channel of the same team, say) later. */
export function referenceFor(activity: Partial<Activity>, conversationId?: string): Json {
  const ref = TurnContext.getConversationReference(activity);
  const conversation = { ...ref.conversation, id: conversationId ?? ref.conversation?.id };
  // Not the user who happened to speak: a proactive message is from the bot to the conversation.
  const { user: _user, activityId: _activityId, ...rest } = { ...ref, conversation };
  return JSON.parse(JSON.stringify(rest)) as Json;
}

/**
 * Records the conversation the activity came from (and, for a team, each of its
 * channels). Returns the records written.
 */
export async function recordConversation(
  context: TurnContext,
  store: Store,
  at: string,
  log: Logger,
): Promise<ConversationRecord[]> {
  const activity = context.activity;
  const kind = conversationKindOf(activity);
  const data = channelDataOf(activity);
  const tenantId = data.tenant?.id ?? activity.conversation?.tenantId;
  const written: ConversationRecord[] = [];
  const save = async (record: ConversationRecord) => {
    await store.saveConversation(record);
    written.push(record);
  };
  if (kind !== "channel") {
    await save({
      id: activity.conversation.id,
      kind,
      ...(tenantId && { tenantId }),
      ...(kind === "personal" &&
        activity.from?.aadObjectId && { userAadObjectId: activity.from.aadObjectId }),
      reference: referenceFor(activity),
      updatedAt: at,
    });
    return written;
  }
  const teamId = data.team?.id;
  const teamName = data.team?.name;
  let channels: { id: string; name?: string }[] = [];
  if (teamId) {
    try {
      channels = (await TeamsInfo.getTeamChannels(context, teamId)).flatMap((c) =>
        c.id ? [{ id: c.id, ...(c.name && { name: c.name }) }] : [],
      );
    } catch (error) {
      log.warn({ teamId, error: String(error) }, "could not list the team's channels");
    }
  }
  const here = activity.conversation.id.split(";")[0];
  if (!channels.some((c) => c.id === here)) {
    channels.push({ id: here, ...(data.channel?.name && { name: data.channel.name }) });
  }
  for (const channel of channels) {
    await save({
      id: channel.id,
      kind: "channel",
      ...(tenantId && { tenantId }),
      ...(teamId && { teamId }),
      ...(teamName && { teamName }),
      // The team's own conversation is its General channel, which Teams names no further.
      name: channel.name ?? (channel.id === teamId ? "General" : channel.id),
      reference: referenceFor(activity, channel.id),
      updatedAt: at,
    });
  }
  log.info({ teamId, channels: channels.length }, "recorded a team's channels");
  return written;
}

/** Marks the conversation (and for a team, all its channels) as removed. */
export async function recordRemoval(
  context: TurnContext,
  store: Store,
  at: string,
  log: Logger,
): Promise<void> {
  const activity = context.activity;
  const teamId = channelDataOf(activity).team?.id;
  const records =
    conversationKindOf(activity) === "channel" && teamId
      ? await store.listConversations({ teamId })
      : [await store.getConversation(activity.conversation.id)].filter(
          (r): r is ConversationRecord => r !== undefined,
        );
  for (const record of records) {
    await store.saveConversation({ ...record, removedAt: at, updatedAt: at });
  }
  log.info({ teamId, conversations: records.length }, "Reach was removed from a conversation");
}

/** Is this conversationUpdate/installationUpdate about the bot itself joining or leaving? */
export function installChange(activity: Partial<Activity>): "added" | "removed" | undefined {
  const botId = activity.recipient?.id;
  if (activity.type === "installationUpdate") {
    const action = String(activity.action ?? "");
    if (action.startsWith("add")) return "added";
    if (action.startsWith("remove")) return "removed";
    return undefined;
  }
  if (activity.type !== "conversationUpdate") return undefined;
  const data = channelDataOf(activity);
  if (data.eventType === "teamDeleted") return "removed";
  if (activity.membersAdded?.some((m) => m.id === botId)) return "added";
  if (activity.membersRemoved?.some((m) => m.id === botId)) return "removed";
  return undefined;
}

/**
 * What Reach keeps about Teams: the conversations it may post into (a team's channels,
 * advisers' personal chats, group chats), each with the conversation reference Bot
 * Framework needs to reach it later, and which channel each policy's cases go to.
 * docs/teams.md explains how they are recorded.
 */
import type { Json } from "./json.ts";

export const CONVERSATION_KINDS = ["channel", "personal", "groupChat"] as const;
export type ConversationKind = (typeof CONVERSATION_KINDS)[number];

export interface ConversationRecord {
  /** The Teams conversation id (a channel id, or a chat's id). */
  id: string;
  kind: ConversationKind;
  tenantId?: string;
  /** For a channel: its team. */
  teamId?: string;
  teamName?: string;
  /** For a channel: its name ("General" for the team's own conversation). */
  name?: string;
  /** For a personal chat: the user's AAD object id. */
  userAadObjectId?: string;
  /** The botbuilder `ConversationReference`, as received: service URL, bot, conversation. */
  reference: Json;
  /** When the bot was removed from the team or chat; it posts there no more. */
  removedAt?: string;
  updatedAt: string;
}

export interface ConversationFilter {
  kind?: ConversationKind;
  teamId?: string;
  userAadObjectId?: string;
  /** Include conversations the bot was removed from (default false). */
  includeRemoved?: boolean;
}

/**
 * What a channel is linked for: absent, the policy's cases (its case cards, updates and
 * notices); `leads`, its engagement leads' channel (the weekly digest and escalations).
 */
export const BINDING_PURPOSES = ["leads"] as const;
export type BindingPurpose = (typeof BINDING_PURPOSES)[number];

/**
 * A policy's cases are posted into one channel, and its leads' channel is at most one more;
 * a channel may carry several policies. Keyed by (policy, purpose).
 */
export interface ChannelBinding {
  policyId: string;
  /** Absent: the policy's cases channel. */
  purpose?: BindingPurpose;
  /** The channel's conversation id (a `ConversationRecord` of kind `channel`). */
  conversationId: string;
  teamId?: string;
  /** Staff id of the engagement lead who bound it. */
  boundBy: string;
  boundAt: string;
}

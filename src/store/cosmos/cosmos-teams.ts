/**
 * Teams conversations and channel bindings in Cosmos DB, in the `cases` container (partition
 * key `/policyId`), so that no container is added:
 *
 * - a **channel binding** is a policy's own: `channel-binding` (its cases channel; the id
 *   every binding had before leads' channels) or `channel-binding:leads` (its leads'
 *   channel) in the policy's partition (a point read by policy and purpose; listing them
 *   is a cross-partition query, rare and small);
 * - a **conversation** belongs to no policy: every one is in the reserved partition
 *   `~teams`, which no policy id can be (policy ids are lower-case letters, digits and
 *   dashes). Its id is `conversation:<SHA-256 of the Teams conversation id>`, since a Teams
 *   id may be longer than a Cosmos id allows or hold characters one may not (`/`, `?`, `#`).
 *   One partition holds a tenant's channels and chats (thousands of documents of a few
 *   kilobytes, written when the bot is added or removed) with room to spare.
 *
 * Writes are upserts and deletes of one document; lists are sorted by the adapter.
 */
import { createHash } from "node:crypto";
import type { Container } from "@azure/cosmos";
import { StoreError } from "../store-error.ts";
import type {
  BindingPurpose,
  ChannelBinding,
  ConversationFilter,
  ConversationRecord,
} from "../teams-records.ts";
import { checkBinding, checkConversation } from "../teams-schema.ts";
import { queryAll, readDoc, statusOf } from "./cosmos-common.ts";

/** The partition of conversation documents; never a policy id. */
export const TEAMS_PARTITION = "~teams";
const BINDING_ID = "channel-binding";

/** A binding's document id: `channel-binding` for the cases channel, else with its purpose. */
export function bindingDocId(purpose: BindingPurpose | undefined): string {
  return purpose === undefined ? BINDING_ID : `${BINDING_ID}:${purpose}`;
}

interface ConversationDoc {
  id: string;
  docType: "conversation";
  policyId: typeof TEAMS_PARTITION;
  /** Whether `conversation.removedAt` is set, for the list's default filter. */
  removed: boolean;
  conversation: ConversationRecord;
}

interface BindingDoc {
  id: string;
  docType: "channel-binding";
  policyId: string;
  binding: ChannelBinding;
}

export function conversationDocId(conversationId: string): string {
  return `conversation:${createHash("sha256").update(conversationId).digest("hex")}`;
}

export class CosmosTeams {
  constructor(private readonly container: Container) {}

  async saveConversation(conversation: ConversationRecord): Promise<void> {
    const checked = checkConversation(conversation);
    const doc: ConversationDoc = {
      id: conversationDocId(checked.id),
      docType: "conversation",
      policyId: TEAMS_PARTITION,
      removed: checked.removedAt !== undefined,
      conversation: checked,
    };
    await this.container.items.upsert(doc);
  }

  async deletePersonalConversations(userAadObjectId: string): Promise<number> {
    const wanted = userAadObjectId.toLowerCase();
    const chats = (await this.listConversations({ kind: "personal", includeRemoved: true })).filter(
      (c) => c.userAadObjectId?.toLowerCase() === wanted,
    );
    for (const chat of chats) {
      try {
        await this.container.item(conversationDocId(chat.id), TEAMS_PARTITION).delete();
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    }
    return chats.length;
  }

  async getConversation(id: string): Promise<ConversationRecord | undefined> {
    const doc = await readDoc<ConversationDoc>(
      this.container,
      conversationDocId(id),
      TEAMS_PARTITION,
    );
    return doc?.docType === "conversation" ? conversationOf(doc) : undefined;
  }

  async listConversations(filter: ConversationFilter = {}): Promise<ConversationRecord[]> {
    const where = ['c.docType = "conversation"'];
    const params: Record<string, unknown> = {};
    if (filter.kind !== undefined) {
      where.push("c.conversation.kind = @kind");
      params.kind = filter.kind;
    }
    if (filter.teamId !== undefined) {
      where.push("c.conversation.teamId = @teamId");
      params.teamId = filter.teamId;
    }
    if (filter.includeRemoved !== true) where.push("c.removed = false");
    const docs = await queryAll<ConversationDoc>(
      this.container,
      `SELECT * FROM c WHERE ${where.join(" AND ")}`,
      params,
      TEAMS_PARTITION,
    );
    // Entra object ids are GUIDs: Teams, Graph and a school's export may differ in case.
    const user = filter.userAadObjectId?.toLowerCase();
    return docs
      .map(conversationOf)
      .filter((c) => user === undefined || c.userAadObjectId?.toLowerCase() === user)
      .sort((a, b) => compare(a.id, b.id));
  }

  async saveBinding(binding: ChannelBinding): Promise<void> {
    const checked = checkBinding(binding);
    const doc: BindingDoc = {
      id: bindingDocId(checked.purpose),
      docType: "channel-binding",
      policyId: checked.policyId,
      binding: checked,
    };
    await this.container.items.upsert(doc);
  }

  async getBinding(
    policyId: string,
    purpose?: BindingPurpose,
  ): Promise<ChannelBinding | undefined> {
    const doc = await readDoc<BindingDoc>(this.container, bindingDocId(purpose), policyId);
    return doc?.docType === "channel-binding" ? bindingOf(doc) : undefined;
  }

  async listBindings(conversationId?: string): Promise<ChannelBinding[]> {
    const docs = await queryAll<BindingDoc>(
      this.container,
      `SELECT * FROM c WHERE c.docType = "channel-binding"${
        conversationId === undefined ? "" : " AND c.binding.conversationId = @conversationId"
      }`,
      conversationId === undefined ? {} : { conversationId },
    );
    return docs
      .map(bindingOf)
      .sort(
        (a, b) =>
          compare(a.policyId, b.policyId) || compare(a.purpose ?? "cases", b.purpose ?? "cases"),
      );
  }

  async removeBinding(policyId: string, purpose?: BindingPurpose): Promise<boolean> {
    try {
      await this.container.item(bindingDocId(purpose), policyId).delete();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }
}

function conversationOf(doc: ConversationDoc): ConversationRecord {
  return checkConversation(doc.conversation, "corrupt_record");
}

function bindingOf(doc: BindingDoc): ChannelBinding {
  const binding = checkBinding(doc.binding, "corrupt_record");
  if (binding.policyId !== doc.policyId) {
    throw new StoreError(
      "corrupt_record",
      `channel binding in partition ${doc.policyId} names policy ${binding.policyId}`,
    );
  }
  if (bindingDocId(binding.purpose) !== doc.id) {
    throw new StoreError(
      "corrupt_record",
      `channel binding ${doc.id} of policy ${doc.policyId} names purpose ${binding.purpose ?? "cases"}`,
    );
  }
  return binding;
}

/** By UTF-16 code unit: SQLite's `ORDER BY` (UTF-8 bytes) for the ids Teams and Reach use. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

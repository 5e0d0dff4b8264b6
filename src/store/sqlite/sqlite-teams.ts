/**
 * Teams conversations and channel bindings in SQLite (tables `conversations` and
 * `channel_bindings`, migration 2; bindings keyed by policy and purpose since migration 7,
 * `cases` standing for a binding without a purpose). Each write is one statement, so it
 * commits whole.
 */
import type Database from "better-sqlite3";
import { StoreError } from "../store-error.ts";
import type {
  BindingPurpose,
  ChannelBinding,
  ConversationFilter,
  ConversationKind,
  ConversationRecord,
} from "../teams-records.ts";
import { checkBinding, checkConversation } from "../teams-schema.ts";

interface ConversationRow {
  id: string;
  kind: ConversationKind;
  tenant_id: string | null;
  team_id: string | null;
  team_name: string | null;
  name: string | null;
  user_aad_object_id: string | null;
  reference: string;
  removed_at: string | null;
  updated_at: string;
}

interface BindingRow {
  policy_id: string;
  purpose: string;
  conversation_id: string;
  team_id: string | null;
  bound_by: string;
  bound_at: string;
}

export class SqliteTeams {
  private readonly prepared = new Map<string, Database.Statement>();
  private readonly putConversation: Database.Statement;
  /** Prepared on first use: a store over an older schema (before migration 7) still opens. */
  private putBindingStatement: Database.Statement | undefined;

  constructor(private readonly db: Database.Database) {
    this.putConversation = db.prepare(`INSERT OR REPLACE INTO conversations
      (id, kind, tenant_id, team_id, team_name, name, user_aad_object_id, reference,
       removed_at, updated_at)
      VALUES (@id, @kind, @tenantId, @teamId, @teamName, @name, @userAadObjectId, @reference,
       @removedAt, @updatedAt)`);
  }

  private get putBinding(): Database.Statement {
    this.putBindingStatement ??= this.db.prepare(`INSERT OR REPLACE INTO channel_bindings
      (policy_id, purpose, conversation_id, team_id, bound_by, bound_at)
      VALUES (@policyId, @purpose, @conversationId, @teamId, @boundBy, @boundAt)`);
    return this.putBindingStatement;
  }

  saveConversation(conversation: ConversationRecord): void {
    const c = checkConversation(conversation);
    this.putConversation.run({
      id: c.id,
      kind: c.kind,
      tenantId: c.tenantId ?? null,
      teamId: c.teamId ?? null,
      teamName: c.teamName ?? null,
      name: c.name ?? null,
      userAadObjectId: c.userAadObjectId ?? null,
      reference: JSON.stringify(c.reference),
      removedAt: c.removedAt ?? null,
      updatedAt: c.updatedAt,
    });
  }

  /**
   * An erasure: the rows are overwritten (secure_delete) and, as for an erased case, a
   * checkpoint copies the new pages over the old ones so no copy stays in the file or WAL.
   */
  deletePersonalConversations(userAadObjectId: string): number {
    const { changes } = this.db
      .prepare(
        "DELETE FROM conversations WHERE kind = 'personal' AND lower(user_aad_object_id) = lower(?)",
      )
      .run(userAadObjectId);
    if (changes > 0) this.db.pragma("wal_checkpoint(TRUNCATE)");
    return changes;
  }

  getConversation(id: string): ConversationRecord | undefined {
    const row = this.statement("SELECT * FROM conversations WHERE id = ?").get(id) as
      | ConversationRow
      | undefined;
    return row && conversationOf(row);
  }

  listConversations(filter: ConversationFilter = {}): ConversationRecord[] {
    const where: string[] = [];
    const params: Record<string, string> = {};
    if (filter.kind !== undefined) {
      where.push("kind = @kind");
      params.kind = filter.kind;
    }
    if (filter.teamId !== undefined) {
      where.push("team_id = @teamId");
      params.teamId = filter.teamId;
    }
    if (filter.userAadObjectId !== undefined) {
      // Entra object ids are GUIDs: Teams, Graph and a school's export may differ in case.
      where.push("lower(user_aad_object_id) = lower(@userAadObjectId)");
      params.userAadObjectId = filter.userAadObjectId;
    }
    if (filter.includeRemoved !== true) where.push("removed_at IS NULL");
    const sql = `SELECT * FROM conversations
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id`;
    return (this.db.prepare(sql).all(params) as ConversationRow[]).map(conversationOf);
  }

  saveBinding(binding: ChannelBinding): void {
    const b = checkBinding(binding);
    this.putBinding.run({
      policyId: b.policyId,
      purpose: purposeColumn(b.purpose),
      conversationId: b.conversationId,
      teamId: b.teamId ?? null,
      boundBy: b.boundBy,
      boundAt: b.boundAt,
    });
  }

  getBinding(policyId: string, purpose?: BindingPurpose): ChannelBinding | undefined {
    const row = this.statement(
      "SELECT * FROM channel_bindings WHERE policy_id = ? AND purpose = ?",
    ).get(policyId, purposeColumn(purpose)) as BindingRow | undefined;
    return row && bindingOf(row);
  }

  listBindings(conversationId?: string): ChannelBinding[] {
    const rows = (
      conversationId === undefined
        ? this.db.prepare("SELECT * FROM channel_bindings ORDER BY policy_id, purpose").all()
        : this.db
            .prepare(
              "SELECT * FROM channel_bindings WHERE conversation_id = ? ORDER BY policy_id, purpose",
            )
            .all(conversationId)
    ) as BindingRow[];
    return rows.map(bindingOf);
  }

  removeBinding(policyId: string, purpose?: BindingPurpose): boolean {
    return (
      this.db
        .prepare("DELETE FROM channel_bindings WHERE policy_id = ? AND purpose = ?")
        .run(policyId, purposeColumn(purpose)).changes === 1
    );
  }
  /** A statement prepared once per connection (the hot reads and writes prepare once). */
  private statement(sql: string): Database.Statement {
    let statement = this.prepared.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.prepared.set(sql, statement);
    }
    return statement;
  }
}

function conversationOf(row: ConversationRow): ConversationRecord {
  let reference: unknown;
  try {
    reference = JSON.parse(row.reference);
  } catch {
    throw new StoreError("corrupt_record", `conversation ${row.id}: the reference is not JSON`);
  }
  return checkConversation(
    {
      id: row.id,
      kind: row.kind,
      tenantId: row.tenant_id ?? undefined,
      teamId: row.team_id ?? undefined,
      teamName: row.team_name ?? undefined,
      name: row.name ?? undefined,
      userAadObjectId: row.user_aad_object_id ?? undefined,
      reference,
      removedAt: row.removed_at ?? undefined,
      updatedAt: row.updated_at,
    },
    "corrupt_record",
  );
}

/** The `purpose` column: `cases` for a binding without a purpose. */
function purposeColumn(purpose: BindingPurpose | undefined): string {
  return purpose ?? "cases";
}

function bindingOf(row: BindingRow): ChannelBinding {
  return checkBinding(
    {
      policyId: row.policy_id,
      purpose: row.purpose === "cases" ? undefined : row.purpose,
      conversationId: row.conversation_id,
      teamId: row.team_id ?? undefined,
      boundBy: row.bound_by,
      boundAt: row.bound_at,
    },
    "corrupt_record",
  );
}

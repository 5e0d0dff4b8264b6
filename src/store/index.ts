/** The store's public surface: the port, its records, id helpers and both adapters. */
export type {
  AppendRequest,
  AppendResult,
  AuditRecord,
  CaseFilter,
  CaseSummary,
  ErasureRecord,
  StoredAuditRecord,
  StoredCase,
} from "./case-records.ts";
export {
  type CosmosStoreOptions,
  ensureCosmosContainers,
  openCosmosStore,
} from "./cosmos/index.ts";
export {
  auditIdFor,
  type CaseIdParts,
  cardUpdateVersionOf,
  caseIdFor,
  outboxIdFor,
} from "./ids.ts";
export { canonicalJson, type Json } from "./json.ts";
export {
  OUTBOX_KINDS,
  OUTBOX_STATUSES,
  type OutboxCounts,
  type OutboxDraft,
  type OutboxEntry,
  type OutboxFilter,
  type OutboxKey,
  type OutboxKind,
  type OutboxStatus,
  type OutboxSubmission,
} from "./outbox-records.ts";
export {
  FILE_AUTHOR,
  POLICY_VERSION_SOURCES,
  type PolicyVersion,
  type PolicyVersionSource,
  type PolicyVersionSubmission,
} from "./policy-versions.ts";
export { parseRuleState, RuleStateSchema } from "./rule-state-schema.ts";
export {
  type DataThrough,
  type Lease,
  type LeaseRequest,
  type LeaseResult,
  RUN_STATUSES,
  type RunFilter,
  type RunRecord,
  type RunStatus,
  type SavedRuleState,
  type SaveRuleStateResult,
} from "./run-records.ts";
export { migrate } from "./sqlite/migrate.ts";
export { MIGRATIONS, type Migration } from "./sqlite/migrations/index.ts";
export {
  DEFAULT_DB_PATH,
  MEMORY,
  type SqliteOptions,
} from "./sqlite/open-database.ts";
export { openSqliteStore, SqliteStore } from "./sqlite/sqlite-store.ts";
export type { Store } from "./store.ts";
export { STORE_ERROR_CODES, StoreError, type StoreErrorCode } from "./store-error.ts";
export {
  BINDING_PURPOSES,
  type BindingPurpose,
  type ChannelBinding,
  CONVERSATION_KINDS,
  type ConversationFilter,
  type ConversationKind,
  type ConversationRecord,
} from "./teams-records.ts";

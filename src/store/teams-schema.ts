/**
 * Validation of the Teams records (teams-records.ts), shared by the adapters: a record is
 * checked when it is saved (`invalid_request`) and again when it is read back
 * (`corrupt_record`: it was changed outside Reach). Absent optional fields stay absent.
 */
import { z } from "zod/v4";
import type { Json } from "./json.ts";
import { StoreError, type StoreErrorCode } from "./store-error.ts";
import {
  BINDING_PURPOSES,
  type ChannelBinding,
  CONVERSATION_KINDS,
  type ConversationRecord,
} from "./teams-records.ts";

const Id = z.string().min(1);
const Timestamp = z.iso.datetime({ offset: true });

const ConversationRecordSchema = z.object({
  id: Id,
  kind: z.enum(CONVERSATION_KINDS),
  tenantId: Id.optional(),
  teamId: Id.optional(),
  teamName: z.string().optional(),
  name: z.string().optional(),
  userAadObjectId: Id.optional(),
  reference: z.json(),
  removedAt: Timestamp.optional(),
  updatedAt: Timestamp,
});

const ChannelBindingSchema = z.object({
  policyId: Id,
  purpose: z.enum(BINDING_PURPOSES).optional(),
  conversationId: Id,
  teamId: Id.optional(),
  boundBy: Id,
  boundAt: Timestamp,
});

/** The conversation as Reach keeps it; throws a `StoreError` with `code` if it is not one. */
export function checkConversation(
  value: unknown,
  code: StoreErrorCode = "invalid_request",
): ConversationRecord {
  const parsed = ConversationRecordSchema.safeParse(value);
  if (!parsed.success) throw invalid(code, "conversation", value, "id", parsed.error);
  return withoutUndefined({ ...parsed.data, reference: parsed.data.reference as Json });
}

/** The binding as Reach keeps it; throws a `StoreError` with `code` if it is not one. */
export function checkBinding(
  value: unknown,
  code: StoreErrorCode = "invalid_request",
): ChannelBinding {
  const parsed = ChannelBindingSchema.safeParse(value);
  if (!parsed.success) throw invalid(code, "channel binding", value, "policyId", parsed.error);
  return withoutUndefined(parsed.data);
}

function invalid(
  code: StoreErrorCode,
  what: string,
  value: unknown,
  key: string,
  error: z.ZodError,
): StoreError {
  const id =
    typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : "";
  const problems = error.issues.map((i) => `${i.path.join(".") || what}: ${i.message}`);
  return new StoreError(code, `${what} ${String(id ?? "")}: ${problems.join("; ")}`);
}

function withoutUndefined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

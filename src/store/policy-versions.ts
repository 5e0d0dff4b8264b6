/**
 * Versions of a policy: every text of a policy's file Reach has run or written, numbered
 * 1, 2, 3… per policy, with who made it, when, why and the diff from the version before.
 *
 * The file stays the source of truth; a version records it. A change saved from Teams (or
 * a rollback) is written to the file and recorded with its author and reason. A change
 * made to the file outside Reach is recorded when Reach first runs or shows that text
 * (author `file`), with the diff but no reason, since the file gives none. The whole text
 * is kept (policy files are at most 256 KiB, and usually a few), so a lead can roll back to
 * any version, and a case names the version that opened it.
 *
 * Validation is shared by the adapters: a version is checked when it is written
 * (`invalid_request`) and again when it is read back (`corrupt_record`).
 */
import { z } from "zod/v4";
import { StoreError, type StoreErrorCode } from "./store-error.ts";

/** Who made a version that came from the file itself, not from Reach. */
export const FILE_AUTHOR = "file";

/** How the version came about. */
export const POLICY_VERSION_SOURCES = ["file", "teams", "rollback"] as const;
export type PolicyVersionSource = (typeof POLICY_VERSION_SOURCES)[number];

export interface PolicyVersionSubmission {
  policyId: string;
  /** SHA-256 of the file's text (hex). */
  hash: string;
  /** The file's whole text. */
  text: string;
  /** A staff id, or `file` for a change made to the file outside Reach. */
  author: string;
  /** The author's name as it was then (absent for `file`). */
  authorName?: string;
  /** ISO instant: when it was saved from Teams, or when Reach first saw it in the file. */
  at: string;
  source: PolicyVersionSource;
  /** Why, as the lead wrote it (absent for a change made to the file). */
  reason?: string;
  /** The line diff from the version before (empty for the first). */
  diff: string;
  /** For a rollback: the version whose text it restored. */
  restores?: number;
}

export interface PolicyVersion extends PolicyVersionSubmission {
  /** 1 for the first version Reach kept of the policy, then one more each time. */
  version: number;
}

/** The most text a version may hold: twice a policy file's limit, with room for the diff. */
const MAX_TEXT = 512 * 1024;

const Timestamp = z.iso.datetime({ offset: true });

const SubmissionSchema = z.object({
  policyId: z.string().min(1).max(200),
  hash: z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 in hex"),
  text: z.string().max(MAX_TEXT),
  author: z.string().min(1).max(200),
  authorName: z.string().max(200).optional(),
  at: Timestamp,
  source: z.enum(POLICY_VERSION_SOURCES),
  reason: z.string().max(2000).optional(),
  diff: z.string().max(2 * MAX_TEXT),
  restores: z.number().int().positive().optional(),
});

const VersionSchema = SubmissionSchema.extend({ version: z.number().int().positive() });

/** The submission as Reach keeps it; throws a `StoreError` with `code` if it is not one. */
export function checkPolicyVersionSubmission(
  value: unknown,
  code: StoreErrorCode = "invalid_request",
): PolicyVersionSubmission {
  const parsed = SubmissionSchema.safeParse(value);
  if (!parsed.success) throw invalid(code, value, parsed.error);
  return withoutUndefined(parsed.data);
}

/** A stored version as Reach reads it back. */
export function checkPolicyVersion(
  value: unknown,
  code: StoreErrorCode = "corrupt_record",
): PolicyVersion {
  const parsed = VersionSchema.safeParse(value);
  if (!parsed.success) throw invalid(code, value, parsed.error);
  return withoutUndefined(parsed.data);
}

function invalid(code: StoreErrorCode, value: unknown, error: z.ZodError): StoreError {
  const policyId =
    typeof value === "object" && value !== null && "policyId" in value
      ? String((value as { policyId: unknown }).policyId).slice(0, 100)
      : "?";
  const issue = error.issues[0];
  const where = issue?.path.join(".") || "the record";
  return new StoreError(
    code,
    `policy version of ${policyId}: ${where}: ${issue?.message ?? "not a policy version"}`,
  );
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * A policy's versions (src/store/policy-versions.ts): `@Reach policy history` and `reach
 * policy history` list them, and an engagement lead of the policy's schools can roll the
 * policy back to one from the history card (`policy_rollback`).
 *
 * Reading the history is for any member of staff, like the policy card: a version holds the
 * policy's text, who changed it and why, and names no student. Before listing, the text the
 * policy is running is recorded if the history does not have it yet (the file was edited
 * outside Reach since the last run), so the list always ends at what runs.
 *
 * A rollback writes the chosen version's text back into the policy's file — the file stays
 * the source of truth — if the file is still the text the history card was made from (a
 * SHA-256 on the card; otherwise nothing is written and the card asks to look again), and
 * if that text still loads with today's loader. It is then a new version, saying which one
 * it restored and why, audited as a policy change and told to the policy's channel.
 */
import { basename } from "node:path";
import { auditEntry } from "../cases/index.ts";
import { lineDiff, loadPolicyText, type Policy, readPolicyFile } from "../rules/index.ts";
import { notePolicyVersion, policyTextHash } from "../run/index.ts";
import { FILE_AUTHOR, type PolicyVersion, type Store } from "../store/index.ts";
import { clip } from "./audit-refusal.ts";
import type { Directory } from "./directory.ts";
import {
  AUDIT_DIFF_LENGTH,
  authorised,
  MAX_REASON_LENGTH,
  oneLine,
  POLICY_CHANGE_ACTION,
  type PolicyEditOutcome,
  writeAtomically,
} from "./edit-policy.ts";
import { policyChangeRefusal } from "./policy-change.ts";
import { type PolicyRead, type PolicyReadRequest, policyAsked, policyView } from "./read-policy.ts";

/** The audit action of reading a policy's history. */
export const READ_POLICY_HISTORY_ACTION = "read_policy_history";
/** The history card's "Roll back to this version". */
export const POLICY_ROLLBACK_VERB = "policy_rollback";
/** The policy card's "History". */
export const POLICY_HISTORY_VERB = "policy_history";
/** Versions on one history card (the newest); the rest are counted. */
export const HISTORY_SHOWN = 10;

export interface PolicyVersionView {
  version: number;
  at: string;
  /** The author's name, or "the policy file" for a text Reach read from the file. */
  author: string;
  source: PolicyVersion["source"];
  reason?: string;
  /** For a rollback: the version it restored. */
  restores?: number;
  diff: string;
  /** The text the policy runs now. */
  current: boolean;
}

export interface PolicyHistoryView {
  policyId: string;
  policyName: string;
  timezone: string;
  /** The hash of the running text: what a rollback checks the file against. */
  currentHash: string | undefined;
  versions: PolicyVersionView[];
  /** Older versions not listed. */
  more: number;
}

export type PolicyHistoryRead =
  | { kind: "shown"; view: PolicyHistoryView }
  | Exclude<PolicyRead, { kind: "shown" }>;

/** `policy history`: the policy's versions, newest first, for any member of staff. */
export async function readPolicyHistory(
  request: PolicyReadRequest & { limit?: number },
): Promise<PolicyHistoryRead> {
  const found = await policyAsked(request, READ_POLICY_HISTORY_ACTION);
  if ("kind" in found) return found;
  const { staff, policy } = found;
  const view = await policyHistoryView(request.store, policy, request.at, request.limit);
  await request.store.appendAudit(policy.id, [
    auditEntry(staff.id, request.at, READ_POLICY_HISTORY_ACTION, "", {
      allowed: true,
      why: `${staff.name} read the policy's history (${view.versions.length} versions shown)`,
    }),
  ]);
  return { kind: "shown", view };
}

/** The policy's versions, the running text recorded first if it is new. */
export async function policyHistoryView(
  store: Store,
  policy: Policy,
  at: string,
  limit = HISTORY_SHOWN,
): Promise<PolicyHistoryView> {
  const running = await notePolicyVersion(store, policy, at);
  const all = await store.listPolicyVersions(policy.id);
  const shown = all.slice(0, Math.max(1, limit));
  return {
    policyId: policy.id,
    policyName: policy.name,
    timezone: policy.timezone,
    currentHash: running?.hash,
    versions: shown.map((v) => versionView(v, running?.version)),
    more: all.length - shown.length,
  };
}

function versionView(v: PolicyVersion, current: number | undefined): PolicyVersionView {
  return {
    version: v.version,
    at: v.at,
    author: v.author === FILE_AUTHOR ? "the policy file" : (v.authorName ?? v.author),
    source: v.source,
    ...(v.reason !== undefined && { reason: v.reason }),
    ...(v.restores !== undefined && { restores: v.restores }),
    diff: v.diff,
    current: v.version === current,
  };
}

export interface PolicyRollbackRequest {
  store: Store;
  directory: Directory;
  aadObjectId: string | undefined;
  /** The card's data, unchecked: `policyId`, `version`, `hash`, `form` and `<form>_why`. */
  data: unknown;
  at: string;
  schoolName?: (schoolId: string) => string;
}

/** `policy_rollback`: the policy's file put back to an earlier version's text, for a lead. */
export async function rollbackPolicy(request: PolicyRollbackRequest): Promise<PolicyEditOutcome> {
  const who = await authorised({ ...request }, POLICY_CHANGE_ACTION);
  if ("kind" in who) return who;
  const { staff, policy } = who;
  const parsed = parseRollback(request.data);
  const refuse = async (problems: string[]): Promise<PolicyEditOutcome> => {
    await request.store.appendAudit(policy.id, [
      auditEntry(staff.id, request.at, POLICY_CHANGE_ACTION, "", {
        allowed: false,
        why: clip(`the rollback was refused: ${problems.join("; ")}`, 1000),
        refusal: "invalid_input",
      }),
    ]);
    return { kind: "bad_request", problems };
  };
  if ("problems" in parsed) return refuse(parsed.problems);
  const { version: wanted, hash, why } = parsed;
  const target = await request.store.getPolicyVersion(policy.id, wanted);
  if (target === undefined) {
    await refuse([`the policy has no version ${wanted}`]);
    return { kind: "no_version", policyId: policy.id, version: String(wanted) };
  }
  const file = policy.file;
  const read = await readPolicyFile(file);
  if ("problem" in read) return { kind: "invalid", policyId: policy.id, problems: [read.problem] };
  if (policyTextHash(read.text) !== hash) return { kind: "stale", policyId: policy.id };
  if (read.text === target.text) return { kind: "unchanged", policyId: policy.id };
  // The lead must be one under the file as it is now and under the version restored.
  const current = loadPolicyText(read.text, file);
  const restored = loadPolicyText(target.text, file);
  if (!restored.ok) return { kind: "invalid", policyId: policy.id, problems: restored.errors };
  if (restored.policy.id !== policy.id) {
    return refuse([`version ${wanted} is of policy ${clip(restored.policy.id, 100)}`]);
  }
  for (const p of current.ok ? [current.policy, restored.policy] : [restored.policy]) {
    const refusal = policyChangeRefusal(staff, p);
    if (refusal !== undefined) {
      await request.store.appendAudit(policy.id, [
        auditEntry(staff.id, request.at, POLICY_CHANGE_ACTION, "", {
          allowed: false,
          why: refusal,
          refusal: "not_authorised",
        }),
      ]);
      return { kind: "refused", why: refusal };
    }
  }

  if (current.ok) await notePolicyVersion(request.store, current.policy, request.at);
  await writeAtomically(file, target.text);
  const diff = lineDiff(read.text, target.text, { file: basename(file) });
  const reason = oneLine(why);
  const { version } = await request.store.addPolicyVersion({
    policyId: policy.id,
    hash: policyTextHash(target.text),
    text: target.text,
    author: staff.id,
    authorName: staff.name,
    at: request.at,
    source: "rollback",
    reason,
    diff,
    restores: wanted,
  });
  const summary = `policy ${policy.id} — rolled back to version ${wanted}`;
  const cut =
    diff.length <= AUDIT_DIFF_LENGTH
      ? diff
      : `${diff.slice(0, AUDIT_DIFF_LENGTH)}… (diff cut at ${AUDIT_DIFF_LENGTH} characters)`;
  await request.store.appendAudit(policy.id, [
    auditEntry(staff.id, request.at, POLICY_CHANGE_ACTION, "", {
      allowed: true,
      why: `${staff.name} rolled the policy file ${basename(file)} back to version ${wanted} (now version ${version.version}). Why: ${reason}\n${cut}`,
    }),
  ]);
  await request.store.enqueueOutbox([
    {
      id: `policy-change:${policy.id}:${version.hash.slice(0, 32)}:${request.at}`,
      policyId: policy.id,
      kind: "channel_notice",
      payload: {
        text: `${staff.name} rolled policy ${policy.id} back to version ${wanted}: ${reason.replace(/[.\s]+$/u, "")}. It takes effect at the next run.`,
      },
      createdAt: request.at,
    },
  ]);
  return {
    kind: "saved",
    summary,
    version: version.version,
    view: await policyView(request.store, restored.policy, request.at, request.schoolName),
  };
}

/** The rollback's data: which version, the file's hash on the card, and why. */
function parseRollback(
  data: unknown,
): { version: number; hash: string; why: string } | { problems: string[] } {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { problems: ["the card sent no data"] };
  }
  const d = data as Record<string, unknown>;
  const problems: string[] = [];
  const v = d.version;
  const version = typeof v === "number" ? v : typeof v === "string" ? Number(v) : Number.NaN;
  if (!Number.isInteger(version) || version < 1) {
    problems.push("the card does not name a version to roll back to");
  }
  const hash = typeof d.hash === "string" && /^[0-9a-f]{64}$/.test(d.hash) ? d.hash : undefined;
  if (hash === undefined)
    problems.push("the card does not say which version of the file it showed");
  const form = typeof d.form === "string" && /^v\d{1,8}$/.test(d.form) ? d.form : undefined;
  const raw = d[form === undefined ? "why" : `${form}_why`];
  const why = typeof raw === "string" ? raw.replace(/([${])\u2060(?=\{)/g, "$1").trim() : undefined;
  if (why === undefined || why === "") problems.push("say why you are rolling the policy back");
  else if (why.length > MAX_REASON_LENGTH) {
    problems.push(`the reason is ${why.length} characters long; keep it to ${MAX_REASON_LENGTH}`);
  }
  return problems.length > 0 ? { problems } : { version, hash: hash as string, why: why as string };
}

/**
 * The stored versions of a policy for an operator at a terminal (`reach policy history`),
 * newest first, the read audited in the policy's trail. Unlike the card, it reads the store
 * only: a policy no longer served still has its history.
 */
export async function listPolicyVersions(
  store: Store,
  request: { policyId: string; operator: string; at: string; limit?: number },
): Promise<PolicyVersion[]> {
  const versions = await store.listPolicyVersions(request.policyId, request.limit);
  await store.appendAudit(request.policyId, [
    auditEntry(
      `operator:${clip(request.operator, 100)}`,
      request.at,
      READ_POLICY_HISTORY_ACTION,
      "",
      {
        allowed: true,
        why: `read ${versions.length} versions of the policy at a terminal`,
      },
    ),
  ]);
  return versions;
}

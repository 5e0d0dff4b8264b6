/**
 * Reading cases. A member of staff sees a case's full detail (a `case <id>` chat, the case
 * card in their personal chat) only where the policy's `access` lets them; every such
 * read is audited, granted or refused. An operator on the store's host (`reach cases …`)
 * reads as `cli:<user>`: whoever can run the command can open the database file anyway,
 * so the read is recorded rather than refused.
 */
import {
  auditEntry,
  type CaseId,
  type CaseView,
  caseView,
  foldCase,
  mayWorkOn,
  type PolicyId,
  parseCaseId,
  parsePolicyId,
  readCase,
  rosterOf,
} from "../cases/index.ts";
import type { Staff } from "../data/schema.ts";
import type {
  CaseFilter,
  CaseSummary,
  RunFilter,
  RunRecord,
  Store,
  StoredCase,
} from "../store/index.ts";
import { studentOf } from "./act-on-case.ts";
import { actorLabel, auditRefusal } from "./audit-refusal.ts";
import type { Directory } from "./directory.ts";

/** The ids of a case Reach stored: they were checked on the way in. */
export function storedIds(stored: StoredCase): { caseId: CaseId; policyId: PolicyId } {
  return { caseId: stored.caseId as CaseId, policyId: stored.policyId as PolicyId };
}

export type StaffRead =
  | { kind: "shown"; stored: StoredCase }
  | { kind: "refused"; why: string }
  | { kind: "missing" };

const OPEN_STATUSES = ["proposed", "active", "escalated"] as const;

/** The case `caseId` (its policy is the id's prefix), read in full by `staff`. */
export async function showCaseTo(
  input: { store: Store; directory: Directory; staff: Staff; caseId: CaseId; at: string },
  policyId?: PolicyId,
): Promise<StaffRead> {
  const { store, directory, staff, caseId, at } = input;
  const candidates =
    policyId !== undefined
      ? [policyId]
      : [...directory.policies.keys()].filter((p) => caseId.startsWith(`${p}-`));
  for (const candidate of candidates) {
    const policy = directory.policies.get(candidate);
    const stored = policy && (await store.getCase(candidate, caseId));
    if (policy === undefined || stored === undefined) continue;
    const read = readCase(stored.events, staff.id, at, {
      caseId,
      student: directory.students.get(studentOf(stored)),
      policy,
      roster: directory.roster,
    });
    await store.appendAudit(candidate, [read.audit]);
    return read.allowed ? { kind: "shown", stored } : { kind: "refused", why: read.why };
  }
  await auditRefusal(store, directory, {
    actor: staff.id,
    at,
    action: "read",
    policyId,
    caseId,
    why: "there is no such case",
    refusal: "invalid_input",
  });
  return { kind: "missing" };
}

export type CaseDisplay =
  | StaffRead
  /** The case as its channel card shows it (no restricted detail). */
  | { kind: "channel"; stored: StoredCase }
  /** Not on the staff roster: told nothing about any case. */
  | { kind: "stranger" };

/**
 * A card's "show" or "refresh": in the channel the case is posted in, the channel card
 * (what that channel already shows); in a personal chat or anywhere else, a read of the
 * case by the clicker, authorised and audited. A stranger learns nothing.
 */
export async function viewCase(input: {
  store: Store;
  directory: Directory;
  aadObjectId: string | undefined;
  data: unknown;
  conversationId: string | undefined;
  personal: boolean;
  at: string;
}): Promise<CaseDisplay> {
  const { store, directory, at } = input;
  const data = (typeof input.data === "object" && input.data !== null ? input.data : {}) as Record<
    string,
    unknown
  >;
  const policyId = typeof data.policyId === "string" ? data.policyId : undefined;
  const caseId = typeof data.caseId === "string" ? data.caseId : undefined;
  const staff = directory.staffByAad(input.aadObjectId);
  if (staff === undefined) {
    await auditRefusal(store, directory, {
      actor: actorLabel(input.aadObjectId),
      at,
      action: "read",
      policyId,
      caseId,
      why: "the Teams user is not on the staff roster",
      refusal: "not_authorised",
    });
    return { kind: "stranger" };
  }
  const policy = parsePolicyId(policyId);
  const id = parseCaseId(caseId);
  if (policy === undefined || id === undefined || !directory.policies.has(policy)) {
    await auditRefusal(store, directory, {
      actor: staff.id,
      at,
      action: "read",
      policyId,
      caseId,
      why: "the card names no case Reach serves",
      refusal: "invalid_input",
    });
    return { kind: "missing" };
  }
  if (!input.personal) {
    const binding = await store.getBinding(policy);
    const stored = await store.getCase(policy, id);
    if (stored && binding?.conversationId === input.conversationId) {
      return { kind: "channel", stored };
    }
  }
  const read = await showCaseTo({ store, directory, staff, caseId: id, at }, policy);
  // Outside a personal chat others may be looking: the channel card, not the full detail.
  return read.kind === "shown" && !input.personal ? { kind: "channel", stored: read.stored } : read;
}

/**
 * A member of staff's open cases: assigned to them, or proposed for their advisees. Each
 * case listed (a student named to them) is recorded in its audit trail.
 */
/** A member of staff's cases: those assigned to them, and new ones they may take. */
export interface MyCases {
  assigned: CaseSummary[];
  /** Proposed cases nobody has taken that they may work on (advisees; with `access: school`, their school). */
  mayTake: CaseSummary[];
}

export async function myCases(input: {
  store: Store;
  directory: Directory;
  staff: Staff;
  at: string;
}): Promise<MyCases> {
  const { store, directory, staff } = input;
  const open = (await store.listCases({ status: [...OPEN_STATUSES] })).filter((c) =>
    directory.policies.has(c.policyId),
  );
  const assigned = open.filter((c) => c.assignee === staff.id);
  const mayTake = open.filter((c) => {
    if (c.status !== "proposed" || c.assignee !== undefined) return false;
    const policy = directory.policies.get(c.policyId);
    if (policy === undefined) return false;
    const student = directory.students.get(c.studentId);
    const subject = { student, school: student?.school ?? c.school, policy };
    return mayWorkOn(staff.id, subject, directory.roster).allowed;
  });
  await auditListing(store, assigned, {
    actor: staff.id,
    at: input.at,
    action: "list",
    why: "listed in their cases: assigned to them",
  });
  await auditListing(store, mayTake, {
    actor: staff.id,
    at: input.at,
    action: "list",
    why: "listed in their cases: a new case they may take",
  });
  return { assigned, mayTake };
}

/** One audit record per case listed, written per policy (the store's partition). */
async function auditListing(
  store: Store,
  cases: readonly CaseSummary[],
  entry: { actor: string; at: string; action: string; why: string },
): Promise<void> {
  const byPolicy = new Map<string, CaseSummary[]>();
  for (const c of cases) byPolicy.set(c.policyId, [...(byPolicy.get(c.policyId) ?? []), c]);
  for (const [policyId, listed] of byPolicy) {
    await store.appendAudit(
      policyId,
      listed.map((c) => ({ ...entry, caseId: c.caseId, allowed: true })),
    );
  }
}

/** Recent runs, newest first, for an operator on the store's host. */
export function listRuns(store: Store, filter: RunFilter): Promise<RunRecord[]> {
  return store.listRuns(filter);
}

/**
 * Case summaries for an operator on the store's host (`reach cases list|export`). With
 * `audit`, each case listed is recorded in its audit trail as read by that operator.
 */
export async function listCasesForOperator(
  store: Store,
  filter: CaseFilter,
  audit?: { operator: string; at: string; action: "list" | "export" },
): Promise<CaseSummary[]> {
  const cases = await store.listCases(filter);
  if (audit !== undefined) {
    await auditListing(store, cases, {
      actor: audit.operator,
      at: audit.at,
      action: audit.action,
      why: `${audit.action === "export" ? "exported" : "listed"} on the command line of the store's host`,
    });
  }
  return cases;
}

export type OperatorRead =
  | { kind: "shown"; view: CaseView; stored: StoredCase }
  | { kind: "missing" };

/** One case in full for an operator on the store's host: the read is audited. */
export async function showCaseToOperator(input: {
  store: Store;
  operator: string;
  caseId: CaseId;
  at: string;
}): Promise<OperatorRead> {
  const { store, operator, caseId, at } = input;
  const [summary] = await store.listCases({ caseId });
  const stored = summary && (await store.getCase(summary.policyId, caseId));
  const state = stored && foldCase(stored.events);
  if (!summary || !stored || !state) return { kind: "missing" };
  await store.appendAudit(summary.policyId, [
    auditEntry(operator, at, "read", caseId, {
      allowed: true,
      why: "read on the command line of the store's host",
    }),
  ]);
  // Restricted notes stay hidden: the operator is nobody in particular, as on a channel card.
  return { kind: "shown", view: caseView(state, null, rosterOf([])), stored };
}

/**
 * Where a policy's messages go: an engagement lead of the policy's schools links it to a
 * Teams channel, or unlinks it — its cases channel (`link POLICY-ID`), or its leads'
 * channel, where the weekly digest and escalations go (`link POLICY-ID leads`). Anyone
 * else is refused, and the refusal is audited like a refused case action; a change is
 * audited too. Showing the bindings of a channel is open to anyone in it: it names
 * policies, not students.
 *
 * An engagement lead of the policy's schools may also ask for this week's digest now
 * (`digest [POLICY-ID]`); anyone else is refused, audited the same way.
 */
import type { ImportResult } from "../data/adapters/adapter.ts";
import type { SourceName } from "../data/adapters/index.ts";
import { localDate, parseIsoDate } from "../data/dates.ts";
import type { Staff } from "../data/schema.ts";
import type { BindingPurpose, ChannelBinding, Store } from "../store/index.ts";
import { actorLabel, auditRefusal, clip } from "./audit-refusal.ts";
import type { Directory } from "./directory.ts";
import { postWeeklyDigest } from "./weekly-digest.ts";

export type BindingChange =
  | { kind: "linked"; policyName: string; movedFrom?: string }
  | { kind: "unlinked"; policyName: string }
  | { kind: "not_linked_here" }
  | { kind: "which_policy"; known: string[] }
  | { kind: "unknown_policy"; policyId: string; known: string[] }
  | { kind: "refused"; why: string };

export interface BindingRequest {
  store: Store;
  directory: Directory;
  command: "link" | "unlink";
  /** Absent: the policy's cases channel; `leads`: its leads' channel. */
  purpose?: BindingPurpose;
  /** The policy named; for unlink, the channel's only policy when none is named. */
  policyId: string | undefined;
  aadObjectId: string | undefined;
  channelId: string;
  teamId: string | undefined;
  at: string;
}

/** What a binding of this purpose carries, in words for refusals and the audit trail. */
function carried(purpose: BindingPurpose | undefined): string {
  return purpose === "leads" ? "its digest and escalations" : "its cases";
}

export async function changeBinding(request: BindingRequest): Promise<BindingChange> {
  const { store, directory, command, purpose, channelId, at } = request;
  const staff = directory.staffByAad(request.aadObjectId);
  const known = [...directory.policies.keys()].sort();
  const policyId =
    request.policyId ??
    (command === "unlink"
      ? (await store.listBindings(channelId)).filter((b) => b.purpose === purpose).at(0)?.policyId
      : undefined);
  const actor = staff?.id ?? actorLabel(request.aadObjectId);
  const action = purpose === undefined ? command : `${command}_${purpose}`;
  if (policyId === undefined) return { kind: "which_policy", known };
  const policy = directory.policies.get(policyId);
  if (policy === undefined) {
    await auditRefusal(store, directory, {
      actor,
      at,
      action,
      policyId,
      why: "the policy is not served",
      refusal: "invalid_input",
    });
    return { kind: "unknown_policy", policyId: clip(policyId, 100), known };
  }
  const why = leadRefusal(staff, policy.schools, `change where ${carried(purpose)} go`);
  if (why !== undefined) {
    await store.appendAudit(policyId, [
      { actor, at, action, caseId: "", allowed: false, why, refusal: "not_authorised" },
    ]);
    return { kind: "refused", why };
  }
  const lead = staff as Staff;
  const audit = (what: string) =>
    store.appendAudit(policyId, [
      { actor, at, action, caseId: "", allowed: true, why: `${lead.name} ${what}` },
    ]);
  if (command === "unlink") {
    const existing = await store.getBinding(policyId, purpose);
    if (existing === undefined || existing.conversationId !== channelId) {
      return { kind: "not_linked_here" };
    }
    await store.removeBinding(policyId, purpose);
    await audit(
      purpose === "leads"
        ? `unlinked the policy's leads' channel ${channelId}`
        : `unlinked the policy from channel ${channelId}`,
    );
    return { kind: "unlinked", policyName: policy.name };
  }
  const previous = await store.getBinding(policyId, purpose);
  await store.saveBinding({
    policyId,
    ...(purpose !== undefined && { purpose }),
    conversationId: channelId,
    ...(request.teamId && { teamId: request.teamId }),
    boundBy: lead.id,
    boundAt: at,
  });
  await audit(
    purpose === "leads"
      ? `linked the policy's leads' channel to channel ${channelId}`
      : `linked the policy to channel ${channelId}`,
  );
  return {
    kind: "linked",
    policyName: policy.name,
    ...(previous &&
      previous.conversationId !== channelId && { movedFrom: previous.conversationId }),
  };
}

/** The bindings of this channel: policies whose cases, or digest and escalations, go here. */
export function bindingsOf(store: Store, channelId: string): Promise<ChannelBinding[]> {
  return store.listBindings(channelId);
}

export type DigestAnswer =
  /** `queued`: false when this date's digest was queued already (the same digest, not a new post). */
  | { kind: "posted"; policyName: string; queued: boolean; date: string }
  | { kind: "which_policy"; known: string[] }
  | { kind: "unknown_policy"; policyId: string; known: string[] }
  | { kind: "refused"; why: string }
  /** Reach has no data folder to count from. */
  | { kind: "no_data" };

export interface DigestRequest {
  store: Store;
  directory: Directory;
  /** The policy named; else the one policy linked to the channel (cases or leads). */
  policyId: string | undefined;
  aadObjectId: string | undefined;
  channelId: string;
  /** Now, as an ISO time: the digest is of the policy's local date of it. */
  at: string;
  /** Where the data is read from (absent: Reach runs without a data folder). */
  data:
    | {
        dataDir: string;
        source: SourceName;
        /** The data as last imported, if the caller keeps it: no import on the request. */
        imported?: () => ImportResult | undefined;
      }
    | undefined;
}

/**
 * This week's digest of a policy, asked for by a member of staff: an engagement lead of
 * the policy's schools gets it queued for the policy's leads' channel (or its own channel)
 * now; asked again on the same date, the digest already queued is the answer.
 */
export async function askForDigest(request: DigestRequest): Promise<DigestAnswer> {
  const { store, directory, at } = request;
  const staff = directory.staffByAad(request.aadObjectId);
  const actor = staff?.id ?? actorLabel(request.aadObjectId);
  const linkedHere = [
    ...new Set((await store.listBindings(request.channelId)).map((b) => b.policyId)),
  ];
  const policyId = request.policyId ?? (linkedHere.length === 1 ? linkedHere[0] : undefined);
  if (policyId === undefined) {
    const known = linkedHere.length > 1 ? linkedHere : [...directory.policies.keys()].sort();
    return { kind: "which_policy", known };
  }
  const policy = directory.policies.get(policyId);
  if (policy === undefined) {
    await auditRefusal(store, directory, {
      actor,
      at,
      action: "digest",
      policyId,
      why: "the policy is not served",
      refusal: "invalid_input",
    });
    return {
      kind: "unknown_policy",
      policyId: clip(policyId, 100),
      known: [...directory.policies.keys()].sort(),
    };
  }
  const why = leadRefusal(staff, policy.schools, "ask for its digest");
  if (why !== undefined) {
    await store.appendAudit(policyId, [
      { actor, at, action: "digest", caseId: "", allowed: false, why, refusal: "not_authorised" },
    ]);
    return { kind: "refused", why };
  }
  if (request.data === undefined) return { kind: "no_data" };
  const date = localDate(at, policy.timezone);
  const imported = request.data.imported?.();
  const posted = await postWeeklyDigest({
    ...(imported !== undefined && { imported }),
    store,
    policy,
    source: request.data.source,
    dataDir: request.data.dataDir,
    date: parseIsoDate(date) as number,
    at,
    actor: (staff as Staff).id,
  });
  return { kind: "posted", policyName: policy.name, queued: posted.queued, date };
}

/** Why `staff` may not `what` (a policy of these schools), or undefined if they may. */
function leadRefusal(
  staff: Staff | undefined,
  schools: readonly string[],
  what: string,
): string | undefined {
  if (staff === undefined) {
    return `Reach doesn't know you as a member of staff, and only an engagement lead of the policy's schools can ${what}.`;
  }
  if (!staff.roles.includes("engagement_lead")) {
    return `only an engagement lead of the policy's schools can ${what}, and ${staff.name} is not an engagement lead.`;
  }
  if (!schools.includes(staff.school)) {
    return `only an engagement lead of the policy's schools (${schools.join(", ")}) can ${what}.`;
  }
  return undefined;
}

/**
 * Where a policy's cases go: an engagement lead of the policy's schools links it to a
 * Teams channel, or unlinks it. Anyone else is refused, and the refusal is audited like
 * a refused case action; a change is audited too. Showing the bindings of a channel is
 * open to anyone in it: it names policies, not students.
 */
import type { Staff } from "../data/schema.ts";
import type { ChannelBinding, Store } from "../store/index.ts";
import { actorLabel, auditRefusal, clip } from "./audit-refusal.ts";
import type { Directory } from "./directory.ts";

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
  /** The policy named; for unlink, the channel's only policy when none is named. */
  policyId: string | undefined;
  aadObjectId: string | undefined;
  channelId: string;
  teamId: string | undefined;
  at: string;
}

export async function changeBinding(request: BindingRequest): Promise<BindingChange> {
  const { store, directory, command, channelId, at } = request;
  const staff = directory.staffByAad(request.aadObjectId);
  const known = [...directory.policies.keys()].sort();
  const policyId =
    request.policyId ??
    (command === "unlink" ? (await store.listBindings(channelId)).at(0)?.policyId : undefined);
  const actor = staff?.id ?? actorLabel(request.aadObjectId);
  if (policyId === undefined) return { kind: "which_policy", known };
  const policy = directory.policies.get(policyId);
  if (policy === undefined) {
    await auditRefusal(store, directory, {
      actor,
      at,
      action: command,
      policyId,
      why: "the policy is not served",
      refusal: "invalid_input",
    });
    return { kind: "unknown_policy", policyId: clip(policyId, 100), known };
  }
  const why = leadRefusal(staff, policy.schools);
  if (why !== undefined) {
    await store.appendAudit(policyId, [
      { actor, at, action: command, caseId: "", allowed: false, why, refusal: "not_authorised" },
    ]);
    return { kind: "refused", why };
  }
  const lead = staff as Staff;
  const audit = (what: string) =>
    store.appendAudit(policyId, [
      { actor, at, action: command, caseId: "", allowed: true, why: `${lead.name} ${what}` },
    ]);
  if (command === "unlink") {
    const existing = await store.getBinding(policyId);
    if (existing === undefined || existing.conversationId !== channelId) {
      return { kind: "not_linked_here" };
    }
    await store.removeBinding(policyId);
    await audit(`unlinked the policy from channel ${channelId}`);
    return { kind: "unlinked", policyName: policy.name };
  }
  const previous = await store.getBinding(policyId);
  await store.saveBinding({
    policyId,
    conversationId: channelId,
    ...(request.teamId && { teamId: request.teamId }),
    boundBy: lead.id,
    boundAt: at,
  });
  await audit(`linked the policy to channel ${channelId}`);
  return {
    kind: "linked",
    policyName: policy.name,
    ...(previous &&
      previous.conversationId !== channelId && { movedFrom: previous.conversationId }),
  };
}

/** The policies whose cases are posted in this channel. */
export function bindingsOf(store: Store, channelId: string): Promise<ChannelBinding[]> {
  return store.listBindings(channelId);
}

/** Why `staff` may not bind a policy of these schools, or undefined if they may. */
function leadRefusal(staff: Staff | undefined, schools: readonly string[]): string | undefined {
  if (staff === undefined) {
    return "Reach doesn't know you as a member of staff, and only an engagement lead of the policy's schools can change where its cases go.";
  }
  if (!staff.roles.includes("engagement_lead")) {
    return `only an engagement lead of the policy's schools can change where its cases go, and ${staff.name} is not an engagement lead.`;
  }
  if (!schools.includes(staff.school)) {
    return `only an engagement lead of the policy's schools (${schools.join(", ")}) can change where its cases go.`;
  }
  return undefined;
}

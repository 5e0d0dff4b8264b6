/**
 * A policy's leads' channel (`link POLICY-ID leads`) and the digest asked for in a channel
 * (`digest [POLICY-ID]`), as the use cases decide them, on the real SQLite store: only an
 * engagement lead of the policy's schools may link, unlink or ask, every refusal is in the
 * policy's audit trail with the reason, and a leads' channel never touches the policy's
 * cases channel.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { askForDigest, changeBinding } from "../../src/app/bind-policy.ts";
import { buildDirectory, type Directory } from "../../src/app/directory.ts";
import type { Staff } from "../../src/data/schema.ts";
import type { Policy } from "../../src/rules/index.ts";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

const AT = "2026-11-23T09:00:00.000Z";
const CASES = "19:cases-sef@thread.tacv2";
const LEADS = "19:leads-sef@thread.tacv2";

function staff(id: string, name: string, school: string, roles: Staff["roles"]): Staff {
  return { id, name, email: undefined, aadObjectId: `aad-${id}`, school, roles };
}
const LEE = staff("lee", "Lee Gu", "sef", ["engagement_lead"]);
const ADA = staff("ada", "Ada Wilson", "sef", ["adviser"]);
const DIEGO = staff("diego", "Diego Siciliani", "law", ["engagement_lead"]);

const POLICY = {
  id: "sef-eng",
  name: "SEF engagement",
  schools: ["sef"],
  timezone: "Europe/London",
} as unknown as Policy;
const OTHER = { ...POLICY, id: "sef-pgt", name: "SEF postgraduate" } as Policy;

describe("the leads' channel and the digest asked for", () => {
  let store: SqliteStore;
  let directory: Directory;
  beforeEach(() => {
    store = openSqliteStore({ path: ":memory:" });
    directory = buildDirectory([POLICY, OTHER], { staff: [LEE, ADA, DIEGO], students: [] }, AT);
  });
  afterEach(async () => {
    await store.close();
  });

  const change = (
    who: Staff,
    command: "link" | "unlink",
    channelId: string,
    policyId: string | undefined,
    purpose?: "leads",
  ) =>
    changeBinding({
      store,
      directory,
      command,
      ...(purpose !== undefined && { purpose }),
      policyId,
      aadObjectId: who.aadObjectId,
      channelId,
      teamId: "team-1",
      at: AT,
    });
  const audit = () => store.listAudit(POLICY.id, "");

  it("links a lead's channel as the leads' channel, leaving the cases channel as it was", async () => {
    expect(await change(LEE, "link", CASES, POLICY.id)).toMatchObject({ kind: "linked" });
    expect(await change(LEE, "link", LEADS, POLICY.id, "leads")).toEqual({
      kind: "linked",
      policyName: POLICY.name,
    });
    expect(await store.getBinding(POLICY.id, "leads")).toEqual({
      policyId: POLICY.id,
      purpose: "leads",
      conversationId: LEADS,
      teamId: "team-1",
      boundBy: "lee",
      boundAt: AT,
    });
    expect((await store.getBinding(POLICY.id))?.conversationId).toBe(CASES);
    expect((await audit()).at(-1)).toMatchObject({
      actor: "lee",
      action: "link_leads",
      allowed: true,
      why: `Lee Gu linked the policy's leads' channel to channel ${LEADS}`,
    });

    // Moved to another channel: said so.
    expect(await change(LEE, "link", CASES, POLICY.id, "leads")).toEqual({
      kind: "linked",
      policyName: POLICY.name,
      movedFrom: LEADS,
    });
  });

  it("refuses an adviser and a lead of another school, auditing each, and changes nothing", async () => {
    const adviser = await change(ADA, "link", LEADS, POLICY.id, "leads");
    expect(adviser).toEqual({
      kind: "refused",
      why: "only an engagement lead of the policy's schools can change where its digest and escalations go, and Ada Wilson is not an engagement lead.",
    });
    const otherSchool = await change(DIEGO, "link", LEADS, POLICY.id, "leads");
    expect(otherSchool).toEqual({
      kind: "refused",
      why: "only an engagement lead of the policy's schools (sef) can change where its digest and escalations go.",
    });
    expect(await store.listBindings()).toEqual([]);
    expect(await audit()).toEqual([
      expect.objectContaining({
        actor: "ada",
        action: "link_leads",
        allowed: false,
        refusal: "not_authorised",
      }),
      expect.objectContaining({
        actor: "diego",
        action: "link_leads",
        allowed: false,
        refusal: "not_authorised",
      }),
    ]);
  });

  it("unlinks the channel's leads' binding, never its cases binding", async () => {
    await change(LEE, "link", CASES, POLICY.id);
    await change(LEE, "link", CASES, POLICY.id, "leads");
    // Not here: nothing to unlink.
    expect(await change(LEE, "unlink", LEADS, POLICY.id, "leads")).toEqual({
      kind: "not_linked_here",
    });
    expect(await change(ADA, "unlink", CASES, undefined, "leads")).toMatchObject({
      kind: "refused",
    });
    // The policy left out: the channel's leads' binding.
    expect(await change(LEE, "unlink", CASES, undefined, "leads")).toEqual({
      kind: "unlinked",
      policyName: POLICY.name,
    });
    expect(await store.getBinding(POLICY.id, "leads")).toBeUndefined();
    expect((await store.getBinding(POLICY.id))?.conversationId).toBe(CASES);
    expect((await audit()).at(-1)).toMatchObject({
      action: "unlink_leads",
      allowed: true,
      why: `Lee Gu unlinked the policy's leads' channel ${CASES}`,
    });
    // A plain unlink still means the cases channel.
    expect(await change(LEE, "unlink", CASES, undefined)).toMatchObject({ kind: "unlinked" });
    expect(await store.listBindings()).toEqual([]);
  });

  describe("the digest asked for", () => {
    const ask = (who: Staff, channelId: string, policyId?: string) =>
      askForDigest({
        store,
        directory,
        policyId,
        aadObjectId: who.aadObjectId,
        channelId,
        at: AT,
        data: undefined,
      });

    it("refuses anyone but a lead of the policy's schools, and audits it", async () => {
      expect(await ask(ADA, CASES, POLICY.id)).toEqual({
        kind: "refused",
        why: "only an engagement lead of the policy's schools can ask for its digest, and Ada Wilson is not an engagement lead.",
      });
      expect(await ask(DIEGO, CASES, POLICY.id)).toMatchObject({ kind: "refused" });
      const stranger = await askForDigest({
        store,
        directory,
        policyId: POLICY.id,
        aadObjectId: "aad-nobody",
        channelId: CASES,
        at: AT,
        data: undefined,
      });
      expect(stranger).toEqual({
        kind: "refused",
        why: "Reach doesn't know you as a member of staff, and only an engagement lead of the policy's schools can ask for its digest.",
      });
      expect((await audit()).map((a) => [a.actor, a.action, a.allowed, a.refusal])).toEqual([
        ["ada", "digest", false, "not_authorised"],
        ["diego", "digest", false, "not_authorised"],
        ["aad:aad-nobody", "digest", false, "not_authorised"],
      ]);
      expect(await store.listOutbox()).toEqual([]);
    });

    it("takes the channel's one linked policy, cases or leads, and asks which otherwise", async () => {
      expect(await ask(LEE, LEADS)).toEqual({
        kind: "which_policy",
        known: ["sef-eng", "sef-pgt"],
      });
      await change(LEE, "link", LEADS, POLICY.id, "leads");
      // Linked here (as its leads' channel): that policy, and Reach has no data to count.
      expect(await ask(LEE, LEADS)).toEqual({ kind: "no_data" });
      await change(LEE, "link", LEADS, OTHER.id);
      expect(await ask(LEE, LEADS)).toEqual({
        kind: "which_policy",
        known: ["sef-eng", "sef-pgt"],
      });
      expect(await ask(LEE, LEADS, "nope")).toMatchObject({
        kind: "unknown_policy",
        policyId: "nope",
      });
    });
  });
});

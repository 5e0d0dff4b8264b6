/**
 * The store contract for policy versions: numbered 1, 2, 3… per policy, newest first,
 * `onlyIfNew` skipping a text that is already the latest (but not one that is older: a
 * file put back to an earlier text is a new version), the whole record read back as
 * written, a bad record refused, and two writers at once never sharing a number.
 */
import { createHash } from "node:crypto";
import { expect, it } from "vitest";
import type { PolicyVersionSubmission } from "../../src/store/policy-versions.ts";
import type { Store } from "../../src/store/store.ts";
import { StoreError } from "../../src/store/store-error.ts";

const POLICY = "sef-engagement";

function text(threshold: number): string {
  return `policy:\n  id: ${POLICY}\nrules:\n  - id: low\n    when: attendance_rate below ${threshold}\n`;
}

function submission(
  threshold: number,
  extra: Partial<PolicyVersionSubmission> = {},
): PolicyVersionSubmission {
  const t = text(threshold);
  return {
    policyId: POLICY,
    hash: createHash("sha256").update(t).digest("hex"),
    text: t,
    author: "file",
    at: "2026-11-23T07:00:00.000Z",
    source: "file",
    diff: "",
    ...extra,
  };
}

export function policyVersionContract(store: () => Store): void {
  it("numbers a policy's versions from 1 and lists them newest first", async () => {
    const s = store();
    const first = await s.addPolicyVersion(submission(0.9));
    const second = await s.addPolicyVersion(
      submission(0.85, {
        author: "stf-adele",
        authorName: "Adele Vance",
        source: "teams",
        reason: "Too many cases in the first week",
        diff: "-    when: attendance_rate below 0.9\n+    when: attendance_rate below 0.85",
        at: "2026-11-24T10:15:00.000Z",
      }),
    );
    // Another policy's numbering is its own.
    await s.addPolicyVersion({ ...submission(0.8), policyId: "law-engagement" });
    expect([first.version.version, second.version.version]).toEqual([1, 2]);
    expect([first.created, second.created]).toEqual([true, true]);
    const listed = await s.listPolicyVersions(POLICY);
    expect(listed.map((v) => v.version)).toEqual([2, 1]);
    expect(listed[0]).toEqual({
      ...submission(0.85),
      version: 2,
      author: "stf-adele",
      authorName: "Adele Vance",
      source: "teams",
      reason: "Too many cases in the first week",
      diff: "-    when: attendance_rate below 0.9\n+    when: attendance_rate below 0.85",
      at: "2026-11-24T10:15:00.000Z",
    });
    expect((await s.listPolicyVersions(POLICY, 1)).map((v) => v.version)).toEqual([2]);
    expect((await s.listPolicyVersions("law-engagement")).map((v) => v.version)).toEqual([1]);
    expect(await s.listPolicyVersions("no-such-policy")).toEqual([]);
    expect((await s.getPolicyVersion(POLICY, 1))?.text).toBe(text(0.9));
    expect(await s.getPolicyVersion(POLICY, 3)).toBeUndefined();
    expect(await s.getPolicyVersion(POLICY, 0)).toBeUndefined();
  });

  it("with onlyIfNew, skips the latest text but records an earlier one again", async () => {
    const s = store();
    await s.addPolicyVersion(submission(0.9), { onlyIfNew: true });
    const again = await s.addPolicyVersion(submission(0.9, { at: "2026-11-24T07:00:00.000Z" }), {
      onlyIfNew: true,
    });
    expect(again.created).toBe(false);
    expect(again.version.version).toBe(1);
    expect(again.version.at).toBe("2026-11-23T07:00:00.000Z");
    await s.addPolicyVersion(submission(0.85), { onlyIfNew: true });
    const back = await s.addPolicyVersion(submission(0.9), { onlyIfNew: true });
    expect(back).toMatchObject({ created: true, version: { version: 3 } });
    // Without onlyIfNew the same text is recorded (a lead's save racing a run's notice).
    const same = await s.addPolicyVersion(submission(0.9, { source: "teams", author: "stf-1" }));
    expect(same).toMatchObject({ created: true, version: { version: 4, author: "stf-1" } });
  });

  it("refuses a record that is not a version, and writes nothing", async () => {
    const s = store();
    for (const bad of [
      { ...submission(0.9), hash: "not-a-hash" },
      { ...submission(0.9), at: "yesterday" },
      { ...submission(0.9), source: "email" },
      { ...submission(0.9), policyId: "" },
      { ...submission(0.9), restores: 0 },
    ]) {
      await expect(s.addPolicyVersion(bad as PolicyVersionSubmission)).rejects.toBeInstanceOf(
        StoreError,
      );
    }
    expect(await s.listPolicyVersions(POLICY)).toEqual([]);
  });

  it("gives two writers at once different numbers", async () => {
    const s = store();
    const made = await Promise.all(
      [0.5, 0.6, 0.7, 0.8].map((t) => s.addPolicyVersion(submission(t, { source: "teams" }))),
    );
    expect(made.map((m) => m.version.version).sort()).toEqual([1, 2, 3, 4]);
    const listed = await s.listPolicyVersions(POLICY);
    expect(listed.map((v) => v.version)).toEqual([4, 3, 2, 1]);
    expect(new Set(listed.map((v) => v.hash)).size).toBe(4);
  });
}

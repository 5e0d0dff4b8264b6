/**
 * The version a run evaluates (src/run/policy-version.ts): the first text of a policy is
 * version 1; the same text again records nothing; a file edited by hand is a new version by
 * `file`, with the diff from the one before; a policy built in code has no version.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPolicyText, type Policy } from "../../src/rules/index.ts";
import { notePolicyVersion, policyTextHash } from "../../src/run/index.ts";
import { openSqliteStore } from "../../src/store/index.ts";

function text(threshold: string): string {
  return `policy: { id: p, name: P, schools: [sch], timezone: Europe/London, schedule: "0 7 * * 1-5" }
rules:
  - { id: low, severity: high, when: { metric: attendance_rate, below: ${threshold} } }
`;
}

function load(source: string): Policy {
  const loaded = loadPolicyText(source, "/srv/reach/rules/p.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.policy;
}

describe("notePolicyVersion", () => {
  it("records the first text, nothing for the same text, and a hand edit with its diff", async () => {
    const store = openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), "reach-pv-")), "r.db") });
    const first = await notePolicyVersion(store, load(text("0.90")), "2026-11-23T07:00:00.000Z");
    expect(first).toMatchObject({ version: 1, author: "file", source: "file", diff: "" });
    expect(first?.hash).toBe(policyTextHash(text("0.90")));
    const again = await notePolicyVersion(store, load(text("0.90")), "2026-11-24T07:00:00.000Z");
    expect(again?.version).toBe(1);
    expect(again?.at).toBe("2026-11-23T07:00:00.000Z");
    const edited = await notePolicyVersion(store, load(text("0.85")), "2026-11-25T07:00:00.000Z");
    expect(edited).toMatchObject({ version: 2, author: "file", at: "2026-11-25T07:00:00.000Z" });
    // The file's own name in the header, never the server's path.
    expect(edited?.diff.split("\n").slice(0, 2)).toEqual(["--- p.yaml", "+++ p.yaml"]);
    expect(edited?.diff).toContain(
      "-  - { id: low, severity: high, when: { metric: attendance_rate, below: 0.90 } }",
    );
    expect(edited?.diff).toContain(
      "+  - { id: low, severity: high, when: { metric: attendance_rate, below: 0.85 } }",
    );
    expect((await store.listPolicyVersions("p")).map((v) => v.version)).toEqual([2, 1]);
    // A copy of a loaded policy (not made by the loader) has no text, so no version.
    expect(
      await notePolicyVersion(store, { ...load(text("0.80")) }, "2026-11-26T07:00:00.000Z"),
    ).toBeUndefined();
    expect(await store.listPolicyVersions("p")).toHaveLength(2);
    await store.close();
  });
});

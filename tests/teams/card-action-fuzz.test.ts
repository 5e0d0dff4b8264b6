/**
 * Bad card payloads: whatever a card's action carries — any verb, any data,
 * any or no user — `actOnCase` answers with an outcome and never throws; a case changes
 * only when the outcome says it was done, by exactly the events it reports; every other
 * outcome leaves exactly one audit record; and a case is shown back only to someone who
 * may read it (the click here comes from no channel of Reach's).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actOnCase, CARD_VERBS } from "../../src/app/act-on-case.ts";
import { UNATTRIBUTED } from "../../src/app/audit-refusal.ts";
import { buildDirectory, type Directory } from "../../src/app/directory.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { loadPolicyFile } from "../../src/rules/loader.ts";
import type { Policy } from "../../src/rules/policy.ts";
import { applyRun } from "../../src/run/apply-run.ts";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

const AAD = {
  alex: "00000000-0000-0000-0000-000000000020",
  megan: "00000000-0000-0000-0000-000000000021",
  adele: "00000000-0000-0000-0000-000000000022",
};

describe("card actions under arbitrary payloads", () => {
  let dir: string;
  let store: SqliteStore;
  let directory: Directory;
  let policy: Policy;
  let caseIds: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "reach-fuzz-"));
    store = openSqliteStore({ path: join(dir, "reach.db") });
    const loaded = await loadPolicyFile("samples/teams-demo/northfield-policy.yaml");
    if (!loaded.ok) throw new Error("the demo policy does not load");
    policy = loaded.policy;
    const { dataset } = await importCanonical("samples/demo-school");
    directory = buildDirectory([policy], dataset, "2027-01-29T08:00:00.000Z");
    await applyRun({
      store,
      policy,
      dataset,
      asOf: parseIsoDate("2027-01-29") as number,
      at: "2027-01-29T07:00:00.000Z",
      owner: "fuzz",
    });
    caseIds = (await store.listCases({ policyId: policy.id })).map((c) => c.caseId);
    expect(caseIds).toHaveLength(15);
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("never throws, and changes a case only when it says it did", async () => {
    const verb = fc.oneof(fc.constantFrom(...CARD_VERBS, "open", "erase", "show"), fc.string());
    const field = fc.oneof(
      fc.constantFrom("phone", "no_answer", "team", "restricted", "other", "2027-02-01", ""),
      fc.string(),
      fc.integer(),
      fc.constant(null),
      fc.object(),
    );
    const data = fc.oneof(
      fc.anything(),
      fc.record(
        {
          caseId: fc.oneof(fc.constantFrom(...caseIds), fc.string()),
          policyId: fc.oneof(fc.constant("northfield"), fc.string()),
          version: fc.oneof(fc.integer({ min: -1, max: 12 }), fc.string(), fc.double()),
          reason: field,
          text: field,
          channel: field,
          outcome: field,
          note: field,
          visibility: field,
          until: field,
          decision: field,
        },
        { requiredKeys: [] },
      ),
    );
    const aad = fc.oneof(fc.constantFrom(AAD.alex, AAD.megan, AAD.adele, undefined), fc.string());
    // Clicks on real cards, at or near the version they show, so that some succeed.
    const click = fc.record({
      verb: fc.constantFrom(...CARD_VERBS),
      caseIndex: fc.nat({ max: 14 }),
      offset: fc.constantFrom(-1, 0, 0, 0, 1),
      fields: fc.record(
        {
          reason: field,
          text: field,
          channel: field,
          outcome: field,
          note: field,
          visibility: field,
          until: field,
        },
        { requiredKeys: [] },
      ),
    });
    const action = fc.oneof(
      fc.record({ verb, data }).map((r) => ({ ...r, click: undefined })),
      click.map((c) => ({ verb: c.verb, data: undefined, click: c })),
    );
    const auditCount = async () => {
      let n = (await store.listAudit(UNATTRIBUTED, "")).length;
      for (const id of caseIds) n += (await store.listAudit(policy.id, id)).length;
      return n;
    };
    let done = 0;
    await fc.assert(
      fc.asyncProperty(action, aad, async ({ verb: v, data: raw, click: c }, a) => {
        const before = new Map(
          (await store.listCases({ policyId: policy.id })).map((x) => [x.caseId, x.version]),
        );
        const d =
          c === undefined
            ? raw
            : {
                caseId: caseIds[c.caseIndex],
                policyId: policy.id,
                version: (before.get(caseIds[c.caseIndex]) ?? 0) + c.offset,
                ...c.fields,
              };
        const audits = await auditCount();
        const outcome = await actOnCase(
          {
            aadObjectId: a,
            verb: v,
            data: d,
            conversationId: undefined,
            at: "2027-02-01T09:00:00.000Z",
          },
          {
            store,
            directory,
            describe: (events, actor) => `${actor}: ${events.map((e) => e.type).join(", ")}`,
          },
        );
        // Alex and Adele (sch1) may read Northfield's cases; Megan (sch2) and strangers not.
        if (outcome.kind === "refused" || outcome.kind === "stale") {
          if (outcome.show !== undefined) expect([AAD.alex, AAD.adele]).toContain(a);
        }
        // Done: one audit record with the change; anything else: one for the refusal.
        expect(await auditCount()).toBe(audits + 1);
        const after = await store.listCases({ policyId: policy.id });
        for (const x of after) {
          const was = before.get(x.caseId) ?? 0;
          if (outcome.kind === "done" && x.caseId === outcome.stored.caseId) {
            done++;
            expect(x.version).toBe(was + outcome.events.length);
            expect([AAD.alex, AAD.adele]).toContain(a);
          } else {
            expect(x.version).toBe(was);
          }
        }
        expect(["done", "refused", "stale", "missing"]).toContain(outcome.kind);
      }),
      { numRuns: 300, seed: 20261122 },
    );
    // The generators do reach real changes, not only refusals.
    expect(done).toBeGreaterThan(0);
  });
});

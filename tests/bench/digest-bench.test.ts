/**
 * The digest benchmark's inputs, tiny: 300 students × 40 school days and 60 cases. The
 * store is built through the store API with histories `decide` accepts, and the digest
 * made over it counts what the store holds, the same with the data imported inside or
 * passed in. Not a timed test.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildCaseStore, POLICY_FILE, type SetupResult } from "../../bench/digest/setup.ts";
import { generateBundle } from "../../bench/engine/generate.ts";
import { weeklyDigest } from "../../src/app/weekly-digest.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { loadPolicyFile } from "../../src/rules/loader.ts";
import { openSqliteStore } from "../../src/store/index.ts";

let root: string;
let setup: SetupResult;
let asOf: number;
let asOfText: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "reach-bench-digest-test-"));
  const bundle = generateBundle({ students: 300, days: 40, seed: 1, out: join(root, "bundle") });
  asOfText = bundle.asOf;
  asOf = parseIsoDate(bundle.asOf) as number;
  const loaded = await loadPolicyFile(POLICY_FILE);
  if (!loaded.ok) throw new Error("the bench policy does not load");
  setup = await buildCaseStore({
    bundleDir: bundle.out,
    dataDir: join(root, "data"),
    dbPath: join(root, "reach.db"),
    policy: loaded.policy,
    asOf,
    cases: 60,
    seed: 1,
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

it("builds a case load of valid histories, runs with watch counts and dead letters", () => {
  expect(setup.refused).toBe(0);
  expect(setup.cases).toBe(60);
  expect(setup.byType.opened).toBe(60);
  expect(setup.byType.confirmed).toBeGreaterThan(0);
  expect(setup.byType.contact_attempted).toBeGreaterThan(0);
  expect(setup.byStatus.dismissed).toBeGreaterThan(0);
  expect(setup.runs).toBe(27);
  expect(setup.demographics).toBeGreaterThan(300);
});

it("gives the same digest with the data imported inside or passed in", async () => {
  const loaded = await loadPolicyFile(POLICY_FILE);
  if (!loaded.ok) throw new Error("the bench policy does not load");
  const store = openSqliteStore({ path: join(root, "reach.db") });
  const dataDir = join(root, "data");
  const options = {
    store,
    policy: loaded.policy,
    source: "canonical" as const,
    dataDir,
    date: asOf,
    at: `${asOfText}T18:00:00.000Z`,
    actor: "bench",
  };
  const inside = await weeklyDigest(options);
  const passed = await weeklyDigest({ ...options, imported: await importCanonical(dataDir) });
  await store.close();
  expect(passed).toEqual(inside);
  const open = ["proposed", "active", "escalated"].reduce(
    (n, s) => n + (setup.byStatus[s] ?? 0),
    0,
  );
  expect(inside.cases.openNow).toBe(open);
  expect(inside.runs.succeeded).toBeGreaterThan(0);
  expect(inside.watch.map((w) => w.ruleId)).toEqual(["quiet-online"]);
  expect(inside.fairness?.fields.map((f) => f.field).sort()).toEqual(["ethnicity", "sex"]);
});

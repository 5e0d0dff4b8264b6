/**
 * A child process for the kill test: imports a data folder and applies one run to the
 * store the environment names (REACH_STORE, as the CLI reads it), with a fixed run time
 * and runner id so that every attempt is the same run.
 * Usage: node --import tsx tests/run/apply-child.ts <data dir> <db file> <policy file> <as-of>
 */

import { openStore } from "../../src/cli/open-store.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { loadPolicyFile } from "../../src/rules/loader.ts";
import { applyRun } from "../../src/run/apply-run.ts";

const [dataDir, dbPath, policyPath, asOfText] = process.argv.slice(2);
const loaded = await loadPolicyFile(policyPath);
if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
const { dataset } = await importCanonical(dataDir, { threads: 1 });
const store = await openStore(dbPath);
process.stdout.write("started\n");
const result = await applyRun({
  store,
  policy: loaded.policy,
  dataset,
  asOf: parseIsoDate(asOfText) as number,
  at: `${asOfText}T07:00:00.000Z`,
  owner: "runner-1",
});
await store.close();
process.stdout.write(
  `${JSON.stringify({ opened: result.opened, signalsAdded: result.signalsAdded })}\n`,
);

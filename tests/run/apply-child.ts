/**
 * A child process for the kill test: imports a data folder and applies one run to the
 * store the environment names (REACH_STORE, as the CLI reads it), with a fixed run time
 * and runner id so that every attempt is the same run.
 *
 * With `KILL_AT=<before|after>:<n>` it kills itself with SIGKILL just before, or just
 * after, its n-th write to the store (1-based): a kill point that lands inside the run by
 * construction, whatever the machine's speed. It prints the writes it made
 * (`writes <name,name,…>`), so the test can choose kill points from an uninterrupted run.
 * With `OWNER=process` it runs as `reach run` does, under a runner id of its own process.
 *
 * Usage: node --import tsx tests/run/apply-child.ts <data dir> <db file> <policy file> <as-of>
 */

import { runnerId, runPolicy } from "../../src/app/index.ts";
import { openStore } from "../../src/app/open-store.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { loadPolicyFile } from "../../src/rules/loader.ts";
import type { Store } from "../../src/store/store.ts";

/** The Store methods that change what is stored. */
const WRITES = new Set<string>([
  "acquireLease",
  "releaseLease",
  "saveRun",
  "finishInterrupted",
  "appendCaseEvents",
  "appendManyCaseEvents",
  "appendAudit",
  "enqueueOutbox",
  "saveRuleState",
]);

/** The store, with every write counted and the kill point armed. */
function instrument(store: Store, killAt: string | undefined, writes: string[]): Store {
  const [when, nth] = (killAt ?? "").split(":");
  const target = Number(nth);
  return new Proxy(store, {
    get(object, name, receiver) {
      const value = Reflect.get(object, name, receiver);
      if (typeof value !== "function" || !WRITES.has(String(name))) return value;
      return async (...args: unknown[]) => {
        writes.push(String(name));
        const n = writes.length;
        if (when === "before" && n === target) process.kill(process.pid, "SIGKILL");
        const result = await value.apply(object, args);
        if (when === "after" && n === target) process.kill(process.pid, "SIGKILL");
        return result;
      };
    },
  });
}

const [dataDir, dbPath, policyPath, asOfText] = process.argv.slice(2);
const loaded = await loadPolicyFile(policyPath);
if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
const { dataset } = await importCanonical(dataDir, { threads: 1 });
const store = await openStore(dbPath);
const writes: string[] = [];
process.stdout.write("started\n");
const result = await runPolicy({
  store: instrument(store, process.env.KILL_AT, writes),
  policy: loaded.policy,
  dataset,
  asOf: parseIsoDate(asOfText) as number,
  at: `${asOfText}T07:00:00.000Z`,
  // Every attempt the same runner (a restarted instance), unless OWNER=process: then each
  // process is a runner of its own, as `reach run` is.
  owner: process.env.OWNER === "process" ? runnerId("cli") : "runner-1",
  // Each attempt has a store (and so an installation secret) of its own: one key for all,
  // so that their case ids compare with the reference run's.
  caseIdSecret: "kill-test-case-id-secret-0123456789abcdef",
});
await store.close();
process.stdout.write(`writes ${writes.join(",")}\n`);
process.stdout.write(
  `${JSON.stringify({ opened: result.opened, signalsAdded: result.signalsAdded })}\n`,
);

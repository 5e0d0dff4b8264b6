/**
 * Applying a run to Cosmos DB: how many requests a nightly run makes, first when every
 * finding opens a case and then on the same date again, against @vercel/cosmosdb-server
 * on loopback (the real SDK; the server counts the HTTP requests it answers).
 *
 *   node --import tsx bench/cases/cosmos.ts [--students 20000] [--days 90]
 */
import { Agent } from "node:https";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { createHttpsServer } from "@vercel/cosmosdb-server";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { loadPolicyFile } from "../../src/rules/loader.ts";
import { applyRun } from "../../src/run/apply-run.ts";
import { openCosmosStore } from "../../src/store/cosmos/index.ts";
import { intOption } from "../engine/cli.ts";
import { generateBundle } from "../engine/generate.ts";

const { values } = parseArgs({
  options: { students: { type: "string" }, days: { type: "string" } },
});
const students = intOption(values, "students", 20_000);
const days = intOption(values, "days", 90);
const bundle = generateBundle({
  students,
  days,
  seed: 1,
  out: `bench/engine/.data/${students}x${days}-s1`,
});
const loaded = await loadPolicyFile("bench/engine/policy.yaml");
if (!loaded.ok) throw new Error("bench policy does not load");
const { dataset } = await importCanonical(bundle.out);

const server = createHttpsServer({ keepAlive: true });
let requests = 0;
server.on("request", () => {
  requests++;
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const agent = new Agent({ rejectUnauthorized: false, keepAlive: true });
const store = await openCosmosStore({
  endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
  key: "bench",
  agent,
  database: "bench",
});

async function measured(label: string, at: string) {
  const before = requests;
  const t = performance.now();
  const r = await applyRun({
    store,
    policy: loaded.ok ? loaded.policy : (undefined as never),
    dataset,
    asOf: parseIsoDate(bundle.asOf) as number,
    at,
    owner: "bench",
  });
  const ms = performance.now() - t;
  const n = requests - before;
  console.log(
    `  ${label.padEnd(10)} ${Math.round(ms)} ms, ${n.toLocaleString("en")} requests; ${r.opened.toLocaleString("en")} opened, ${r.unchanged.toLocaleString("en")} unchanged`,
  );
  return { n, findings: r.evaluation.counts.findings };
}

console.log(
  `applying a run to Cosmos DB (cosmosdb-server), ${students.toLocaleString("en")} students`,
);
const first = await measured("first run", `${bundle.asOf}T07:00:00.000Z`);
const again = await measured("same date", `${bundle.asOf}T08:00:00.000Z`);
console.log(
  `  per finding: ${(first.n / first.findings).toFixed(1)} requests on the first run, ${(again.n / again.findings).toFixed(1)} on the same date again`,
);
await store.close();
agent.destroy();
server.closeAllConnections();
server.close();

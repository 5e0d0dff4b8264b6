/**
 * Case benchmarks on the embedded SQLite store:
 *
 * 1. Command latency: 20 advisers act at once on a school's open cases (confirm, log a
 *    contact, add a note), each command read → decide → conditional append, as a card
 *    action would be. Reports p50 / p99 / max and commands per second.
 * 2. Applying a run: a nightly run over the engine benchmark's data set (100,000 students
 *    by default), where every finding opens a case, then the same date again, where
 *    nothing changes: the difference is the store's cost of the changed cases.
 *
 *   npm run bench:cases -- [--students 100000] [--days 90] [--actors 20] [--commands 4000]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { rosterOf } from "../../src/cases/authorise.ts";
import type { CaseCommand } from "../../src/cases/case-commands.ts";
import { foldCase } from "../../src/cases/case-state.ts";
import { decide } from "../../src/cases/decide.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import type { Staff } from "../../src/data/schema.ts";
import { loadPolicyFile } from "../../src/rules/loader.ts";
import { applyRun } from "../../src/run/apply-run.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { intOption } from "../engine/cli.ts";
import { generateBundle } from "../engine/generate.ts";

const { values } = parseArgs({
  options: {
    students: { type: "string" },
    days: { type: "string" },
    actors: { type: "string" },
    commands: { type: "string" },
  },
});
const students = intOption(values, "students", 100_000);
const days = intOption(values, "days", 90);
const actors = intOption(values, "actors", 20);
const commandCount = intOption(values, "commands", 4000);

const dataDir = join("bench/engine/.data", `${students}x${days}-s1`);
const bundle = generateBundle({ students, days, seed: 1, out: dataDir });
const loaded = await loadPolicyFile("bench/engine/policy.yaml");
if (!loaded.ok) throw new Error("bench policy does not load");
const policy = loaded.policy;
const asOf = parseIsoDate(bundle.asOf) as number;

console.log(`data ${dataDir}: ${students.toLocaleString("en")} students, as of ${bundle.asOf}`);
const imported = await importCanonical(dataDir);
// The bench data has no staff: give every school an adviser so commands are authorised.
const staff: Staff[] = ["sch1", "sch2", "sch3", "sch4", "sch5"].flatMap((school) =>
  Array.from({ length: 4 }, (_, i) => ({
    id: `${school}-adviser-${i}`,
    name: `Adviser ${i} of ${school}`,
    school,
    roles: ["adviser" as const],
    email: undefined,
    aadObjectId: undefined,
  })),
);
const dataset = { ...imported.dataset, staff };
const dir = mkdtempSync(join(tmpdir(), "reach-bench-cases-"));

// --- 2. applying runs --------------------------------------------------------------
const store = openSqliteStore({ path: join(dir, "reach.db") });
const time = async <T>(f: () => Promise<T>) => {
  const t = performance.now();
  const r = await f();
  return { r, ms: performance.now() - t };
};
const run = (day: number, at: string, d = dataset) =>
  applyRun({
    store,
    policy: { ...policy, access: "school" },
    dataset: d,
    asOf: day,
    at,
    owner: "bench",
  });
const first = await time(() => run(asOf, `${bundle.asOf}T07:00:00.000Z`));
const again = await time(() => run(asOf, `${bundle.asOf}T08:00:00.000Z`));
console.log("\napplying a run (SQLite)");
console.log(
  `  first run:   ${Math.round(first.ms)} ms, ${first.r.opened.toLocaleString("en")} cases opened, ${first.r.evaluation.counts.findings.toLocaleString("en")} findings`,
);
console.log(
  `  same date:   ${Math.round(again.ms)} ms, ${again.r.opened} opened, ${again.r.unchanged.toLocaleString("en")} unchanged (${(again.ms / first.ms).toFixed(2)}× the first)`,
);

// --- 1. command latency ------------------------------------------------------------
const roster = rosterOf(staff);
const cases = await store.listCases({ policyId: policy.id, status: "proposed" });
const latencies: number[] = [];
let refused = 0;
let next = 0;
const started = performance.now();
async function actor(a: number) {
  while (next < commandCount) {
    const n = next++;
    const summary = cases[n % cases.length];
    const adviser = `${summary.school}-adviser-${a % 4}`;
    const t = performance.now();
    const stored = await store.getCase(policy.id, summary.caseId);
    if (!stored) continue;
    const state = foldCase(stored.events);
    const at = new Date(Date.UTC(2027, 1, 1, 0, 0, 0, n)).toISOString();
    const command: CaseCommand =
      state?.status === "proposed"
        ? { type: "confirm", version: stored.version, at, assignee: adviser }
        : n % 2 === 0
          ? {
              type: "log_contact",
              version: stored.version,
              at,
              channel: "phone",
              outcome: "no_answer",
            }
          : {
              type: "add_note",
              version: stored.version,
              at,
              noteId: `note-${n}`,
              text: "Called home; will try again.",
              visibility: "team",
            };
    const student = dataset.students[dataset.studentIndex.get(summary.studentId) ?? -1];
    const decision = decide(stored.events, command, adviser, {
      caseId: summary.caseId,
      student,
      policy: { id: policy.id, schools: policy.schools, access: "school" },
      roster,
    });
    if (decision.ok) {
      const r = await store.appendCaseEvents({
        policyId: policy.id,
        caseId: summary.caseId,
        expectedVersion: stored.version,
        events: decision.events,
        audit: [decision.audit],
      });
      if (!r.ok) refused++;
    } else refused++;
    latencies.push(performance.now() - t);
  }
}
await Promise.all(Array.from({ length: actors }, (_, a) => actor(a)));
const elapsed = performance.now() - started;
latencies.sort((a, b) => a - b);
const q = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
console.log(
  `\ncommand latency (SQLite, ${actors} concurrent advisers, ${latencies.length} commands on ${cases.length.toLocaleString("en")} cases)`,
);
console.log(
  `  p50 ${q(0.5).toFixed(2)} ms   p99 ${q(0.99).toFixed(2)} ms   max ${latencies[latencies.length - 1].toFixed(2)} ms   ${Math.round((latencies.length / elapsed) * 1000)} commands/s   refused ${refused}`,
);
console.log(
  `  Reach's target for card actions (bench/README.md): p99 < 300 ms — ${q(0.99) < 300 ? "MET" : "NOT MET"}`,
);
await store.close();

/**
 * Watch rules on the Cosmos DB store (`@vercel/cosmosdb-server` on a loopback port, through
 * the real SDK), as tests/run/watch-run.test.ts does on SQLite: the watched signal on the
 * student's case keeps its flag, and the run record keeps the watch counts.
 */
import { randomUUID } from "node:crypto";
import { Agent } from "node:https";
import type { AddressInfo } from "node:net";
import { createHttpsServer } from "@vercel/cosmosdb-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CaseEvent } from "../../src/cases/case-events.ts";
import { loadPolicyText } from "../../src/rules/loader.ts";
import { applyRun } from "../../src/run/apply-run.ts";
import { openCosmosStore } from "../../src/store/cosmos/cosmos-store.ts";
import { buildDataset, type DatasetSpec, day, weekdays } from "../helpers/build-dataset.ts";

const agent = new Agent({ rejectUnauthorized: false, keepAlive: true });
const server = createHttpsServer({ keepAlive: true });
let endpoint = "";

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  agent.destroy();
});

const DAYS = weekdays("2026-09-07", "2026-10-02", ["2026-09-21"]);
const ABSENT = ["2026-09-08", "2026-09-09", "2026-09-10", "2026-09-11"];
// "poor" misses 4 of 19 school days and is never active online; "quiet" only the latter.
const SPEC: DatasetSpec = {
  calendar: { sch: DAYS },
  students: [{ id: "poor" }, { id: "quiet" }],
  attendance: DAYS.flatMap((d) => [
    ["poor", d, ABSENT.includes(d) ? "unexcused_absence" : "present"],
    ["quiet", d, "present"],
  ]) as DatasetSpec["attendance"],
};

describe("applyRun with a watch rule on the Cosmos DB store", () => {
  it("keeps the watched signal's flag on the case and the watch counts on the run", async () => {
    const loaded = loadPolicyText(
      `policy: { id: p, name: P, schools: [sch], timezone: Europe/London, schedule: "0 7 * * 1-5" }
rules:
  - { id: low-attendance, severity: low, when: { metric: attendance_rate, below: 0.9 } }
  - { id: quiet, severity: high, action: watch, when: { metric: days_since_activity, at_least: 5 } }
`,
      "p.yaml",
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const store = await openCosmosStore({
      endpoint,
      key: "test-key",
      agent,
      database: `reach-watch-${randomUUID().slice(0, 8)}`,
      containers: { cases: "cases", outbox: "outbox", audit: "audit" },
    });
    const result = await applyRun({
      store,
      policy: loaded.policy,
      dataset: buildDataset(SPEC),
      asOf: day("2026-10-02"),
      at: "2026-10-02T07:00:00.000Z",
      owner: "t",
    });
    expect(result).toMatchObject({ opened: 1, watchedOnCases: 1, refused: [] });
    const cases = await store.listCases({ policyId: "p" });
    expect(cases.map((c) => [c.studentId, c.severity, c.version])).toEqual([["poor", "low", 2]]);
    const stored = await store.getCase("p", cases[0].caseId);
    const added = (stored?.events ?? []).find(
      (e): e is Extract<CaseEvent, { type: "signal_added" }> => e.type === "signal_added",
    );
    expect(added?.signal).toMatchObject({ ruleId: "quiet", severity: "high", watch: true });
    const [run] = await store.listRuns({ policyId: "p" });
    expect(run.counts).toMatchObject({
      findings: 1,
      casesOpened: 1,
      watched: 2,
      watchedOnCases: 1,
      "watched:quiet": 2,
    });
    await store.close();
  });
});

/**
 * Two Reach processes (`src/teams/serve.ts`, as `npm run serve` starts them, i.e. two App
 * Service instances) on one SQLite store, with the policy scheduled every minute and no
 * outside job: between them they make exactly one run of the policy and date, open its
 * cases, and post each card once into the bound channel. The clock starts, through
 * REACH_NOW, just before 07:00 on the sample school's last school day; the processes
 * catch up on that day at start and fire again each minute after. SIGTERM then stops one
 * cleanly.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dryRun } from "../../src/app/index.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { loadPolicyFile } from "../../src/rules/loader.ts";
import { openSqliteStore } from "../../src/store/index.ts";
import { linkChannel } from "../helpers/channel.ts";
import { until } from "../helpers/fake-connector.ts";

const CHANNEL = "19:cases@thread.tacv2";
const DATA = "samples/demo-school";

/** A Bot Connector that records each post (by Reach's outbox id) and answers at once. */
function connector() {
  const received: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      received.push(JSON.parse(body || "{}")?.channelData?.reachOutboxId ?? "");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: `activity-${received.length}` }));
    });
  });
  return {
    server,
    received,
    async start() {
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    },
  };
}

interface Instance {
  child: ChildProcess;
  url: Promise<string>;
  lines: string[];
}

function startServe(env: Record<string, string>): Instance {
  const child = spawn(process.execPath, ["--import", "tsx", "src/teams/serve.ts"], {
    env: { ...process.env, ...env, PORT: "0", REACH_LOG_LEVEL: "info", MicrosoftAppId: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let buffer = "";
  const url = new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      for (const line of parts) {
        lines.push(line);
        const parsed = JSON.parse(line) as { msg?: string; url?: string };
        if (parsed.msg === "Reach is listening" && parsed.url) resolve(parsed.url);
      }
    });
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
  });
  url.catch(() => undefined);
  return { child, url, lines };
}

async function ready(
  url: string,
): Promise<{ now: string; policies: { lastRun?: { status: string } }[] }> {
  const res = await fetch(new URL("/ready", url));
  return (await res.json()) as { now: string; policies: { lastRun?: { status: string } }[] };
}

describe("two instances on one store, a policy scheduled every minute", () => {
  const dir = mkdtempSync(join(tmpdir(), "reach-two-"));
  const fake = connector();
  const instances: Instance[] = [];

  afterAll(() => {
    for (const i of instances) i.child.kill("SIGKILL");
    fake.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("make one run of the date, open its cases, and post each card once", async () => {
    const policies = join(dir, "policies");
    mkdirSync(policies);
    const text = readFileSync("samples/teams-demo/northfield-policy.yaml", "utf8");
    writeFileSync(
      join(policies, "northfield.yaml"),
      text.replace('schedule: "0 7 * * 1-5"', 'schedule: "* * * * *"'),
    );
    const db = join(dir, "reach.db");
    const store = openSqliteStore({ path: db });
    const serviceUrl = await fake.start();
    const at = new Date().toISOString();
    await linkChannel(store, { channelId: CHANNEL, serviceUrl, policyId: "northfield", at });

    const loaded = await loadPolicyFile(join(policies, "northfield.yaml"));
    if (!loaded.ok) throw new Error("the policy does not load");
    const expected = await dryRun({
      policy: loaded.policy,
      source: "canonical",
      dataDir: DATA,
      asOf: parseIsoDate("2027-01-29") as number,
    });
    expect(expected.findings.length).toBeGreaterThan(0);

    const env = {
      REACH_DB: db,
      REACH_STORE: "sqlite",
      REACH_DATA: DATA,
      REACH_SOURCE: "canonical",
      REACH_POLICIES: policies,
      REACH_NOW: "2027-01-29T06:59:40Z",
    };
    instances.push(startServe(env), startServe(env));
    const urls = await Promise.all(instances.map((i) => i.url));

    // Both have seen the 07:00 firing (after their catch-up at start) and answer ready.
    await until(
      async () => {
        const states = await Promise.all(urls.map(ready));
        return states.every(
          (s) => s.now >= "2027-01-29T07:00:05" && s.policies[0]?.lastRun?.status === "succeeded",
        );
      },
      "both instances past 07:00 with the run done",
      90_000,
    );
    await until(
      async () => (await store.countOutbox("northfield")).pending === 0,
      "every card posted",
      90_000,
    ).catch(async (error) => {
      console.log(
        JSON.stringify(await store.listOutbox({ policyId: "northfield" })).slice(0, 3000),
      );
      console.log(
        instances
          .flatMap((i) => i.lines)
          .join("\n")
          .slice(-5000),
      );
      throw error;
    });

    // What an IT team sees: `reach runs list --json` on the same store.
    const listed = spawnSync(
      process.execPath,
      ["bin/reach.js", "runs", "list", "--json", "--db", db],
      {
        encoding: "utf8",
      },
    );
    expect(listed.status).toBe(0);
    const fromCli = (JSON.parse(listed.stdout) as { runs: { asOf: string; status: string }[] })
      .runs;
    expect(fromCli.map((r) => [r.asOf, r.status])).toEqual([["2027-01-29", "succeeded"]]);
    const runs = await store.listRuns({ policyId: "northfield" });
    expect(runs.map((r) => [r.asOf, r.status])).toEqual([["2027-01-29", "succeeded"]]);
    expect(runs[0].counts.casesOpened).toBe(expected.findings.length);
    expect((await store.listCases({ policyId: "northfield" })).length).toBe(
      expected.findings.length,
    );
    // Each card posted once, by one instance or the other; and the weekly digest caught up
    // at start (Monday's, the latest digest time of the last 7 days) once between them.
    const cards = fake.received.filter((id) => !id.startsWith("digest:"));
    expect(cards).toHaveLength(expected.findings.length);
    expect(new Set(cards).size).toBe(expected.findings.length);
    expect(fake.received.filter((id) => id.startsWith("digest:"))).toEqual([
      "digest:northfield:2027-01-25",
    ]);
    const done = instances
      .flatMap((i) => i.lines)
      .filter((l) => l.includes('"scheduled run done"'));
    expect(done).toHaveLength(1);

    // SIGTERM: the instance stops its scheduler, delivery and server, and exits cleanly.
    const first = instances[0].child;
    const exited = new Promise<number | null>((resolve) => first.once("exit", resolve));
    first.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(instances[0].lines.some((l) => l.includes('"signal":"SIGTERM"'))).toBe(true);
    await store.close();
  }, 240_000);
});

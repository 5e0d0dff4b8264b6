/**
 * A policy's versions, end to end through the real `TeamsAdapter`, HTTP and SQLite, on the
 * sample school with a copy of the Northfield policy in a temporary folder:
 *
 * 1. `@Reach policy history` before any change lists version 1, the file as Reach first
 *    saw it, running now, with no rollback on it;
 * 2. the lead saves 0.90 → 0.85 from the policy card: version 2 is hers, with her reason
 *    and the diff, and the next run records version 2 on the run and on every case it
 *    opens;
 * 3. an adviser's rollback is refused and audited; a rollback from a history card older
 *    than the file, to a version that does not exist, or without a reason, writes nothing;
 * 4. the lead rolls back to version 1: the file is byte for byte the original again, and
 *    version 3 says it restored version 1, why, and who; `reach policy history` lists the
 *    same three versions in a terminal.
 *
 * The clock is Friday 29 January 2027, 09:00 in London.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POLICY_CHANGE_ACTION, READ_POLICY_HISTORY_ACTION } from "../../src/app/index.ts";
import { foldCase } from "../../src/cases/index.ts";
import { main } from "../../src/cli/main.ts";
import type { Output } from "../../src/cli/output.ts";
import { clockFrom } from "../../src/schedule/index.ts";
import {
  CASES,
  drained,
  GENERAL,
  type Harness,
  localConfig,
  runEngine,
  SAMPLE,
  startHarness,
  textOf,
  USERS,
  until,
} from "../helpers/fake-connector.ts";

const NOW = Date.parse("2027-01-29T09:00:00Z");

let dir: string;
let policyFile: string;
let original: string;
let h: Harness;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "reach-policy-history-"));
  policyFile = join(dir, "northfield-policy.yaml");
  copyFileSync(SAMPLE.policyPath, policyFile);
  original = readFileSync(policyFile, "utf8");
  h = await startHarness(localConfig({ policies: policyFile }), { clock: clockFrom(NOW) });
  await h.teams.installInTeam(GENERAL, USERS.adele);
  await h.teams.channelMessage(CASES, USERS.adele, `link ${SAMPLE.policyId}`);
}, 120_000);
afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: the card JSON the bot answered with
type Card = any;

async function click(
  user: (typeof USERS)[keyof typeof USERS],
  verb: string,
  data: Record<string, unknown>,
): Promise<Card> {
  const response = await h.teams.channelInvoke(CASES, user, verb, data);
  expect(response.status).toBe(200);
  return (response.body as { value: Card }).value;
}

/** The history cards the bot posted in the cases channel (case cards come and go beside them). */
function historyCards(): Card[] {
  return h.fake
    .messagesIn(CASES.id)
    .flatMap((r) => r.body?.attachments ?? [])
    .map((a: { content: Card }) => a.content)
    .filter((c: Card) => JSON.stringify(c).includes('"History of '));
}

/** Every Action.Execute on a card, depth first (rollback buttons sit inside ShowCards). */
function executes(card: Card): { verb: string; data: Record<string, unknown> }[] {
  const found: { verb: string; data: Record<string, unknown> }[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === "object" && node !== null) {
      const o = node as Record<string, unknown>;
      if (o.type === "Action.Execute") {
        found.push({ verb: String(o.verb), data: o.data as Record<string, unknown> });
      }
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return found;
}

const rollbacks = (card: Card) => executes(card).filter((a) => a.verb === "policy_rollback");

/** The history card, asked for in the channel. */
async function history(): Promise<Card> {
  const before = historyCards().length;
  const response = await h.teams.channelMessage(CASES, USERS.alex, "policy history");
  expect(response.status).toBe(200);
  await until(() => historyCards().length > before, "the history card");
  return historyCards().at(-1);
}

const audits = async (action: string) =>
  (await h.store.listAudit(SAMPLE.policyId, "")).filter((a) => a.action === action);

function ruleForm(): Record<string, unknown> {
  return {
    policyId: SAMPLE.policyId,
    ruleId: "chronic-absence",
    form: "r0",
    r0_threshold: "0.85",
    r0_why: "Too many cases for the team to follow up this term",
  };
}

describe("policy history", () => {
  it("lists the file as Reach first saw it: version 1, running now, nothing to roll back to", async () => {
    const card = await history();
    const text = textOf(card);
    expect(text).toContain("History of Northfield (sch1) — attendance and engagement");
    expect(text).toContain("1 version, newest first");
    expect(text).toContain("Version 1");
    expect(text).toContain("the policy file · first read by Reach");
    expect(text).toContain("Running now");
    expect(rollbacks(card)).toEqual([]);
    expect(text).not.toContain("${");
    expect(await audits(READ_POLICY_HISTORY_ACTION)).toEqual([
      expect.objectContaining({ actor: "T-ALEX", allowed: true }),
    ]);
    const versions = await h.store.listPolicyVersions(SAMPLE.policyId);
    expect(versions.map((v) => [v.version, v.author, v.source, v.text === original])).toEqual([
      [1, "file", "file", true],
    ]);
  });

  it("records the lead's save as version 2 with her reason, and the next run opens cases under it", async () => {
    const preview = await click(USERS.adele, "policy_preview", ruleForm());
    const save = executes(preview).find((a) => a.verb === "policy_save");
    if (save === undefined) throw new Error(`no Save: ${textOf(preview)}`);
    const saved = await click(USERS.adele, "policy_save", save.data);
    expect(textOf(saved)).toContain("Saved as version 2:");

    const [v2, v1] = await h.store.listPolicyVersions(SAMPLE.policyId);
    expect(v1.version).toBe(1);
    expect(v2).toMatchObject({
      version: 2,
      author: "T-ADELE",
      authorName: "Adele Vance",
      source: "teams",
      reason: "Too many cases for the team to follow up this term",
      // The clock starts at 09:00 and runs on.
      at: expect.stringMatching(/^2027-01-29T09:0\d:/),
    });
    expect(v2.text).toBe(readFileSync(policyFile, "utf8"));
    expect(v2.diff).toContain("-        - { metric: attendance_rate, below: 0.90 }");
    expect(v2.diff).toContain("+        - { metric: attendance_rate, below: 0.85 }");

    const card = await history();
    const text = textOf(card);
    expect(text).toContain("2 versions, newest first");
    expect(text).toContain("Adele Vance · changed from Teams");
    expect(text).toContain("Why: Too many cases for the team to follow up this term");
    // Only version 1 can be rolled back to; version 2 runs.
    expect(rollbacks(card).map((a) => a.data.version)).toEqual([1]);

    const result = await runEngine(h);
    expect(result.opened).toBeGreaterThan(0);
    const [run] = await h.store.listRuns({ policyId: SAMPLE.policyId });
    expect(run.policyVersion).toBe(2);
    const summaries = await h.store.listCases({ policyId: SAMPLE.policyId });
    expect(summaries).toHaveLength(result.opened);
    for (const summary of summaries) {
      const stored = await h.store.getCase(SAMPLE.policyId, summary.caseId);
      expect(foldCase(stored?.events ?? [])?.policyVersion).toBe(2);
    }
    // Running again records no new version: the file has not changed.
    expect(await h.store.listPolicyVersions(SAMPLE.policyId)).toHaveLength(2);
  }, 120_000);

  it("refuses an adviser's rollback, a stale card, an unknown version and no reason; writes nothing", async () => {
    const card = await history();
    const [back] = rollbacks(card);
    const now = readFileSync(policyFile, "utf8");
    const why = { v1_why: "Back to what we agreed" };

    const adviser = await click(USERS.alex, "policy_rollback", { ...back.data, ...why });
    expect(textOf(adviser)).toContain("only an engagement lead");
    const stale = await click(USERS.adele, "policy_rollback", {
      ...back.data,
      ...why,
      hash: "0".repeat(64),
    });
    expect(textOf(stale)).toContain("The policy file changed since this history was shown");
    const unknown = await click(USERS.adele, "policy_rollback", {
      ...back.data,
      version: 99,
      ...why,
    });
    expect(textOf(unknown)).toContain("has no version 99");
    const noReason = await click(USERS.adele, "policy_rollback", back.data);
    expect(textOf(noReason)).toContain("Say why you are rolling the policy back");
    const hostile = await click(USERS.adele, "policy_rollback", {
      ...back.data,
      version: "../../etc/passwd",
      ...why,
    });
    expect(textOf(hostile)).toContain("does not name a version");

    expect(readFileSync(policyFile, "utf8")).toBe(now);
    expect(await h.store.listPolicyVersions(SAMPLE.policyId)).toHaveLength(2);
    const refused = (await audits(POLICY_CHANGE_ACTION)).filter((a) => !a.allowed);
    expect(refused.map((a) => [a.actor, a.refusal])).toEqual([
      ["T-ALEX", "not_authorised"],
      ["T-ADELE", "invalid_input"],
      ["T-ADELE", "invalid_input"],
      ["T-ADELE", "invalid_input"],
    ]);
  });

  it("rolls back to version 1 for the lead: the original file, as version 3 that says so", async () => {
    const card = await history();
    const [back] = rollbacks(card);
    const done = await click(USERS.adele, "policy_rollback", {
      ...back.data,
      v1_why: "The governors want the 90% line kept",
    });
    expect(textOf(done)).toContain(
      "Saved as version 3: policy northfield — rolled back to version 1",
    );
    expect(readFileSync(policyFile, "utf8")).toBe(original);
    const [v3] = await h.store.listPolicyVersions(SAMPLE.policyId);
    expect(v3).toMatchObject({
      version: 3,
      source: "rollback",
      restores: 1,
      author: "T-ADELE",
      reason: "The governors want the 90% line kept",
    });
    expect(v3.diff).toContain("+        - { metric: attendance_rate, below: 0.90 }");
    expect(h.reach.policies.find((p) => p.id === SAMPLE.policyId)?.file).toBe(policyFile);

    await drained(h.store);
    const lines = h.fake.messagesIn(CASES.id).map((r) => String(r.body?.text ?? ""));
    expect(lines).toContain(
      "Adele Vance rolled policy northfield back to version 1: The governors want the 90% line kept. It takes effect at the next run.",
    );
    const text = textOf(await history());
    expect(text).toContain("rolled back to version 1 from Teams");
    expect(rollbacks(await history()).map((a) => a.data.version)).toEqual([2, 1]);
  }, 120_000);

  it("lists the same versions with `reach policy history` in a terminal", async () => {
    let stdout = "";
    const out: Output = {
      log: (line) => {
        stdout += `${line}\n`;
      },
      error: (line) => {
        stdout += `${line}\n`;
      },
      write: (text) => {
        stdout += text;
      },
      progress: () => {},
    };
    const code = await main(
      ["policy", "history", SAMPLE.policyId, "--db", join(h.dir, "reach.db")],
      out,
    );
    expect(code).toBe(0);
    const lines = stdout.split("\n").filter((l) => /^\s*\d+ /.test(l));
    expect(lines.map((l) => l.trim().split(/\s+/)[0])).toEqual(["3", "2", "1"]);
    expect(stdout).toContain("Adele Vance");
    expect(stdout).toContain("rolled back to version 1");
    expect(stdout).toContain("The governors want the 90% line kept");
  });
});

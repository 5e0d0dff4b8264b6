/**
 * Changing a policy from its card in Teams, end to end through the real `TeamsAdapter`,
 * HTTP and SQLite, on the sample school with a copy of the Northfield policy in a
 * temporary folder (the bot writes it): the lead previews lowering the chronic-absence
 * threshold 0.90 → 0.85 (the lose count equals two dry runs' difference), saves it (one
 * line of the file changes, the audit and the channel say so, a reloaded catalogue has
 * 0.85); an adviser is refused and audited; a save after the file changed, a change the
 * loader refuses and hostile payloads change nothing.
 *
 * The clock is Friday 29 January 2027, 09:00 in London: the preview is as of that date.
 */
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  POLICY_CHANGE_ACTION,
  POLICY_PREVIEW_ACTION,
  PolicyCatalogue,
} from "../../src/app/index.ts";
import { main } from "../../src/cli/main.ts";
import type { Output } from "../../src/cli/output.ts";
import { applyPolicyChange } from "../../src/rules/index.ts";
import { clockFrom } from "../../src/schedule/index.ts";
import {
  CASES,
  drained,
  GENERAL,
  type Harness,
  localConfig,
  SAMPLE,
  startHarness,
  textOf,
  turn,
  USERS,
  until,
} from "../helpers/fake-connector.ts";

const NOW = Date.parse("2027-01-29T09:00:00Z");
const RULE = "chronic-absence";

let dir: string;
let policyFile: string;
let original: string;
let h: Harness;
/** A catalogue opened before any change, as the running process holds one. */
let running: PolicyCatalogue;

interface DryRunJson {
  findings: { studentId: string; ruleIds: string[] }[];
}

/** `reach run --dry-run --json` in-process, as tests/run/change-preview.test.ts runs it. */
async function dryRunJson(file: string): Promise<DryRunJson> {
  let stdout = "";
  const out: Output = {
    log: (line) => {
      stdout += `${line}\n`;
    },
    error: () => {},
    write: (text) => {
      stdout += text;
    },
    progress: () => {},
  };
  const argv = ["run", "--dry-run", "--json", "--policy", file, "--source", "canonical"];
  const code = await main([...argv, "--data", SAMPLE.dataDir, "--as-of", SAMPLE.asOf], out);
  if (code !== 0) throw new Error(`reach run exited ${code}`);
  return JSON.parse(stdout) as DryRunJson;
}

const firing = (run: DryRunJson, ruleId: string) =>
  new Set(run.findings.filter((f) => f.ruleIds.includes(ruleId)).map((f) => f.studentId));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "reach-policy-change-"));
  policyFile = join(dir, "northfield-policy.yaml");
  copyFileSync(SAMPLE.policyPath, policyFile);
  original = readFileSync(policyFile, "utf8");
  running = await PolicyCatalogue.open(policyFile);
  h = await startHarness(localConfig({ policies: policyFile }), { clock: clockFrom(NOW) });
  await h.teams.installInTeam(GENERAL, USERS.adele);
  await h.teams.channelMessage(CASES, USERS.adele, `link ${SAMPLE.policyId}`);
}, 120_000);
afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The rule form's fields as the card sends them (prefixed `r0_`), with overrides. */
function ruleForm(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    policyId: SAMPLE.policyId,
    ruleId: RULE,
    form: "r0",
    r0_threshold: "0.85",
    r0_for: "1",
    r0_severity: "high",
    r0_watch: "false",
    r0_on: "true",
    r0_why: "Too many cases for the team to follow up this term",
    ...overrides,
  };
}

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

/** The Save button's data on a preview card. */
function saveData(card: Card): Record<string, unknown> {
  const save = (card.actions ?? []).find((a: { verb?: string }) => a.verb === "policy_save") as
    | { data: Record<string, unknown> }
    | undefined;
  if (save === undefined) throw new Error("no Save button");
  return save.data;
}

const hasSave = (card: Card) =>
  (card.actions ?? []).some((a: { verb?: string }) => a.verb === "policy_save");

const audits = async (action: string) =>
  (await h.store.listAudit(SAMPLE.policyId, "")).filter((a) => a.action === action);

describe("the policy card's change forms", () => {
  it("has a Change… form per rule and a Change the window… form, for everyone", async () => {
    const response = await h.teams.channelMessage(CASES, USERS.alex, "policy");
    expect(response.status).toBe(200);
    await until(
      () => h.fake.messagesIn(CASES.id).some((r) => r.body?.attachments?.length > 0),
      "the policy card",
    );
    const posted = h.fake
      .messagesIn(CASES.id)
      .flatMap((r) => r.body?.attachments ?? [])
      .at(-1)?.content;
    const json = JSON.stringify(posted);
    expect(json).toContain('"title":"Change…"');
    expect(json).toContain('"title":"Change the window…"');
    expect(json).toContain('"id":"r0_threshold"');
    expect(json).toContain('"value":0.9');
    expect(json).toContain('"id":"window_days"');
    expect(json).toContain('"verb":"policy_preview"');
    expect(json).not.toContain("${");
  });
});

describe("a lead changes the chronic-absence threshold", () => {
  let preview: Card;

  it("previews 0.90 → 0.85: the lose count equals the dry runs' difference", async () => {
    preview = await click(USERS.adele, "policy_preview", ruleForm());
    const text = textOf(preview);
    expect(text).toContain("0.9 → 0.85");
    expect(text).toContain("-        - { metric: attendance_rate, below: 0.90 }");
    expect(text).toContain("+        - { metric: attendance_rate, below: 0.85 }");
    expect(hasSave(preview)).toBe(true);

    const applied = applyPolicyChange(original, policyFile, {
      kind: "threshold",
      ruleId: RULE,
      value: 0.85,
    });
    if (!applied.ok) throw new Error("not applied");
    const changed = join(dir, "changed.yaml.txt");
    writeFileSync(changed, applied.text);
    const [before, after] = [await dryRunJson(policyFile), await dryRunJson(changed)];
    const was = firing(before, RULE);
    const is = firing(after, RULE);
    const lost = [...was].filter((id) => !is.has(id)).length;
    expect(lost).toBeGreaterThan(0);
    const fact = JSON.stringify(preview).match(
      /"title":"Missing 10% or more of school","value":"(\d+) would lose, (\d+) would gain/,
    );
    expect(fact?.[1]).toBe(String(lost));
    expect(fact?.[2]).toBe("0");
    // Names in a collapsed section, only those Adele may read.
    expect(JSON.stringify(preview)).toContain("Names you may see");
    expect(readFileSync(policyFile, "utf8")).toBe(original);
    expect(await audits(POLICY_PREVIEW_ACTION)).toEqual([
      expect.objectContaining({ actor: "T-ADELE", allowed: true }),
    ]);
  }, 120_000);

  it("refuses an adviser's preview and save, audited, and the file is unchanged", async () => {
    const refused = await click(USERS.alex, "policy_preview", ruleForm());
    expect(textOf(refused)).toContain("only an engagement lead");
    expect(hasSave(refused)).toBe(false);
    const save = await click(USERS.alex, "policy_save", saveData(preview));
    expect(textOf(save)).toContain("only an engagement lead");
    expect(readFileSync(policyFile, "utf8")).toBe(original);
    expect((await audits(POLICY_PREVIEW_ACTION)).filter((a) => a.actor === "T-ALEX")).toEqual([
      expect.objectContaining({ allowed: false, refusal: "not_authorised" }),
    ]);
    expect((await audits(POLICY_CHANGE_ACTION)).filter((a) => a.actor === "T-ALEX")).toEqual([
      expect.objectContaining({ allowed: false, refusal: "not_authorised" }),
    ]);
  });

  it("shows a change the loader refuses (1.5) at its line and column, with no Save", async () => {
    const card = await click(USERS.adele, "policy_preview", ruleForm({ r0_threshold: "1.5" }));
    const text = textOf(card);
    expect(text).toContain("Nothing was changed");
    expect(text).toMatch(/Line 20, column \d+: /);
    expect(hasSave(card)).toBe(false);
    expect(readFileSync(policyFile, "utf8")).toBe(original);
  });

  it("answers hostile payloads clearly and changes nothing", async () => {
    const answers = [
      await click(USERS.adele, "policy_preview", { policyId: SAMPLE.policyId }),
      await click(USERS.adele, "policy_preview", ruleForm({ ruleId: "no-such-rule" })),
      await click(USERS.adele, "policy_preview", ruleForm({ r0_why: "x".repeat(10_000) })),
      await click(USERS.adele, "policy_preview", ruleForm({ r0_threshold: "NaN" })),
      await click(USERS.adele, "policy_preview", ruleForm({ r0_why: undefined })),
      await click(USERS.adele, "policy_save", { ...saveData(preview), hash: "nope" }),
      await click(USERS.adele, "policy_save", { ...saveData(preview), threshold: Number.NaN }),
      await click(USERS.adele, "policy_preview", ruleForm({ policyId: "../../etc/passwd" })),
    ];
    const texts = answers.map(textOf);
    expect(texts[0]).toContain("Say why you are changing the policy");
    expect(texts[1]).toContain('has no rule "no-such-rule"');
    expect(texts[2]).toContain("The reason is 10000 characters long; keep it to 500");
    expect(texts[3]).toContain("The threshold must be a number");
    expect(texts[4]).toContain("Say why");
    expect(texts[5]).toContain("which version of the file was previewed");
    expect(texts[6]).not.toContain("Saved");
    // NaN goes over JSON as null: the save has no threshold to write, and says so.
    expect(texts[6]).toMatch(/Nothing|no value/);
    expect(texts[7]).toContain("Reach has no policy");
    for (const card of answers) expect(hasSave(card)).toBe(false);
    expect(readFileSync(policyFile, "utf8")).toBe(original);
  });

  it("refuses a save after the file changed since the preview", async () => {
    writeFileSync(policyFile, `${original}# a comment added by hand\n`);
    const card = await click(USERS.adele, "policy_save", saveData(preview));
    expect(textOf(card)).toContain("The policy file changed since your preview; preview again");
    expect(readFileSync(policyFile, "utf8")).toBe(`${original}# a comment added by hand\n`);
    writeFileSync(policyFile, original);
  });

  it("saves: one line changes, audited, told to the channel, and the next run reads 0.85", async () => {
    const saved = await click(USERS.adele, "policy_save", saveData(preview));
    const text = textOf(saved);
    expect(text).toMatch(/Saved as version 2: /);
    expect(text).toContain("It takes effect at the next run.");
    const now = readFileSync(policyFile, "utf8");
    const before = original.split("\n");
    const after = now.split("\n");
    expect(after).toHaveLength(before.length);
    const changed = after.flatMap((line, i) => (line === before[i] ? [] : [[before[i], line]]));
    expect(changed).toEqual([
      [
        "        - { metric: attendance_rate, below: 0.90 }",
        "        - { metric: attendance_rate, below: 0.85 }",
      ],
    ]);
    const entries = (await audits(POLICY_CHANGE_ACTION)).filter((a) => a.allowed);
    expect(entries).toHaveLength(1);
    expect(entries[0].actor).toBe("T-ADELE");
    expect(entries[0].why).toContain("0.9 → 0.85");
    expect(entries[0].why).toContain("Too many cases for the team to follow up this term");
    expect(entries[0].why).toContain("+        - { metric: attendance_rate, below: 0.85 }");

    await drained(h.store);
    const lines = h.fake.messagesIn(CASES.id).map((r) => String(r.body?.text ?? ""));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^Adele Vance changed rule “Missing 10% or more of school” \(chronic-absence\) of policy northfield — threshold .*0\.9 → 0\.85: Too many cases for the team to follow up this term\. It takes effect at the next run\.$/,
      ),
    );

    // The catalogue the scheduler reads before each run takes the new file.
    const refresh = await running.refresh();
    expect(refresh).toMatchObject({ changed: [SAMPLE.policyId], rejected: [] });
    const rule = running.get(SAMPLE.policyId)?.rules.find((r) => r.id === RULE);
    expect(JSON.stringify(rule?.when)).toContain('"threshold":0.85');
    const reopened = await PolicyCatalogue.open(policyFile);
    expect(reopened.get(SAMPLE.policyId)?.rules.find((r) => r.id === RULE)).toEqual(rule);
    // No temporary file is left beside the policy.
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);

    // The bot's own view reads the saved file at once: @Reach policy shows 85%, not 90%.
    const shown = await turn(h, () => h.teams.channelMessage(CASES, USERS.alex, "policy"));
    const card = JSON.stringify(shown.said.flatMap((r) => r.body?.attachments ?? []));
    expect(card).toContain("more than 15% of recorded sessions");
    expect(card).not.toContain("more than 10% of recorded sessions");
  });
});

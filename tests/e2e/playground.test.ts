/**
 * End to end in a real Teams client: Reach and the Microsoft 365 Agents Playground on
 * loopback (the `npm start` demo), and Debian's Chromium driven by playwright-core.
 *
 * The demo runs on today's calendar (the sample school moved so its data ends today), as
 * of the latest school day, through the scheduler's path, which is on afterwards: the
 * cases it opened are those a dry run of the same data and date finds, and their cards
 * are in the channel; the adviser (the Playground's signed-in user)
 * confirms a case, and the card now shows it active and assigned to them, with a line in
 * its thread; they log a contact attempt through the card's form and the card shows it;
 * a second user, an adviser of another school, clicks Confirm on another card and is
 * politely refused, and nothing changes. The Playground has one signed-in user, so the
 * second user's click is the same click with the invoke's `from` set to her (the
 * Playground's own API accepts any member of the team there, and looks up her Entra id).
 *
 * The student has a Teams client of their own: the demo's second Playground, with Ben
 * Iqbal (DEMO.student) signed in. Its page is opened beside the adviser's, and Reach
 * records Ben's personal chat under his Entra object id when it loads. Then the whole
 * message flow: the adviser confirms Ben's case, proposes a message and sends it; Ben's
 * page shows it; he answers "I'd like to talk"; the channel card shows his answer.
 *
 * Screenshots go to test-artifacts/e2e/.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dryRun, runnerId, runPolicy } from "../../src/app/index.ts";
import { foldCase } from "../../src/cases/case-state.ts";
import { formatDay, parseIsoDate, weekday } from "../../src/data/dates.ts";
import { DEMO, type Demo, startDemo } from "../../src/demo/demo.ts";
import { silentLogger } from "../../src/log.ts";
import { applyPolicyChange, type Policy } from "../../src/rules/index.ts";
import { clockFrom, localDate } from "../../src/schedule/index.ts";
import { formatDate } from "../../src/teams/cards/format.ts";

const CHROMIUM = process.env.REACH_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = join(process.cwd(), "test-artifacts", "e2e");
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(
    `[skipped] the Playground browser test needs Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`,
  );
}

describe.skipIf(!haveChromium)("Reach in the Agents Playground (Chromium)", () => {
  let workDir: string;
  let demo: Demo;
  let browser: Browser;
  let page: Page;
  /** The student's own Teams: the second Playground, with DEMO.student signed in. */
  let studentPage: Page;
  /** Cards the demo posted into the channel. */
  let cards = 0;
  /** The students a dry run of the demo's data on the demo's date finds. */
  let expected: string[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "reach-e2e-"));
    await mkdir(ARTIFACTS, { recursive: true });
    // Noon (UTC) on the latest weekday on or before today, running on from there: the
    // policy's 07:00 firing is hours away, so the scheduler cannot fire in the middle of
    // the test, whenever it runs; and it is inside the policy's allowed hours for
    // messaging students (quiet from 18:00 to 08:00 and at weekends), so a message the
    // adviser sends goes at once rather than waiting for Monday 08:00.
    const noon = Date.parse(`${latestWeekday(localDate(Date.now(), "Europe/London"))}T12:00:00Z`);
    demo = await startDemo({
      workDir,
      log: silentLogger(),
      clock: clockFrom(noon),
      waitForStudentPage: true,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await page.goto(`${demo.playground.url}/`);
    // Its own browser context, as on the student's own device.
    studentPage = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
    await studentPage.goto(`${demo.studentPlayground.url}/`);
    // The demo posts once the adviser's page has loaded, so every card reaches the page
    // live; with `waitForStudentPage` it is ready once the student's page has loaded too.
    cards = await demo.ready;
    const policy = demo.reach.policies.find((p) => p.id === DEMO.policyId);
    if (policy === undefined) throw new Error(`no policy ${DEMO.policyId}`);
    const dry = await dryRun({
      policy,
      source: "canonical",
      dataDir: demo.dataDir,
      asOf: parseIsoDate(demo.run.asOf) as number,
    });
    expected = dry.findings.map((f) => f.studentId).sort();
    await openChannel();
  }, 120_000);

  /**
   * Opens the Cases channel, once the page has connected to the bot (its log panel says
   * "Connected."), and waits until the cards have rendered; keeps a screenshot if they
   * never do.
   */
  async function openChannel() {
    await page.getByText("Connected.", { exact: true }).first().waitFor({ timeout: 60_000 });
    await page.getByText(DEMO.channelName, { exact: true }).first().click();
    try {
      await page.locator(".ac-adaptiveCard").first().waitFor({ timeout: 60_000 });
    } catch (error) {
      await page.screenshot({ path: join(ARTIFACTS, "0-channel-not-shown.png") });
      throw new Error(
        `the Cases channel's cards never showed (see 0-channel-not-shown.png): ${error}`,
      );
    }
  }

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  /**
   * The case card of the student a card calls `name` (Adaptive Cards render as
   * .ac-adaptiveCard): the card with a text that is the name itself, since a preferred
   * name may be short enough to be part of other words.
   */
  const cardOf = (name: string): Locator =>
    page
      .locator(".ac-adaptiveCard")
      .filter({ has: page.getByText(name, { exact: true }) })
      .first();

  /** What a card calls a student: the name they prefer, else their display name. */
  const nameOf = (studentId: string): string => {
    const student = demo.reach.directory.get().students.get(studentId);
    return student?.preferredName ?? student?.displayName ?? "";
  };

  async function caseOf(caseId: string) {
    const stored = await demo.reach.store.getCase(DEMO.policyId, caseId);
    return stored && foldCase(stored.events);
  }

  /** The proposed cases, in the order the run opened them, with their students' names. */
  async function proposed() {
    const cases = await demo.reach.store.listCases({ policyId: DEMO.policyId, status: "proposed" });
    return cases.map((c) => ({ caseId: c.caseId, name: nameOf(c.studentId) }));
  }

  it("runs on today's calendar, through the scheduler, which is on afterwards", async () => {
    // The data ends today (on a weekend, the Friday before); the run is of its last school day.
    expect(demo.run.asOf <= demo.today).toBe(true);
    const days = (parseIsoDate(demo.today) as number) - (parseIsoDate(demo.run.asOf) as number);
    expect(days).toBeLessThan(7);
    const response = await fetch(`${demo.reach.url}/ready`);
    const ready = (await response.json()) as {
      scheduler: string;
      policies: { id: string; nextRunAt?: string; lastRun?: { asOf: string; status: string } }[];
    };
    expect(ready.scheduler).toBe("on");
    const northfield = ready.policies.find((p) => p.id === DEMO.policyId);
    expect(northfield?.lastRun).toMatchObject({ asOf: demo.run.asOf, status: "succeeded" });
    expect(northfield?.nextRunAt !== undefined && northfield.nextRunAt > demo.run.scheduledAt).toBe(
      true,
    );
    const runs = await demo.reach.store.listRuns({ policyId: DEMO.policyId });
    expect(runs.map((r) => [r.asOf, r.status, r.startedAt])).toEqual([
      [demo.run.asOf, "succeeded", demo.run.scheduledAt],
    ]);
  });

  it("shows the run's case cards in the channel: one for each student the dry run finds", async () => {
    const cases = await proposed();
    expect(expected.length).toBeGreaterThan(5);
    expect(cards).toBe(expected.length);
    const students = await demo.reach.store.listCases({
      policyId: DEMO.policyId,
      status: "proposed",
    });
    expect(students.map((c) => c.studentId).sort()).toEqual(expected);
    const first = cardOf(cases[0].name);
    await expect.poll(() => first.isVisible(), { timeout: 20_000 }).toBe(true);
    await expect
      .poll(() => page.getByRole("button", { name: "Confirm and take it" }).count())
      .toBe(expected.length);
    // Data as of the run's date, and opened at its scheduled time that day.
    const text = (await first.textContent()) ?? "";
    expect(text).toContain(formatDate(demo.run.asOf));
    await first.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, "1-case-cards.png") });
  });

  it("shows the engagement lead's weekly digest in the channel: this week's cases, no student named", async () => {
    const [entry] = (await demo.reach.store.listOutbox({ policyId: DEMO.policyId })).filter(
      (e) => e.kind === "digest",
    );
    expect(entry?.status).toBe("sent");
    const digest = entry.payload as { cases: { opened: number }; week: { to: string } };
    // The week ends today and holds the demo's run: every case it opened.
    expect(digest.week.to).toBe(demo.today);
    expect(digest.cases.opened).toBe(cards);
    // The policy card names its "Weekly digest" setting too.
    const card = page
      .locator(".ac-adaptiveCard")
      .filter({ hasText: "Weekly digest" })
      .filter({ hasNotText: "in plain words" })
      .first();
    await expect.poll(() => card.isVisible(), { timeout: 20_000 }).toBe(true);
    const text = (await card.textContent()) ?? "";
    expect(text).toContain(`${cards} opened`);
    const students = demo.reach.directory.get().students;
    for (const c of await demo.reach.store.listCases({ policyId: DEMO.policyId })) {
      expect(text).not.toContain(students.get(c.studentId)?.displayName ?? c.studentId);
      expect(text).not.toContain(c.studentId);
    }
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, "1b-digest.png") });
  });

  it("an adviser confirms a case: the card shows it active and assigned to them", async () => {
    const [target] = await proposed();
    const card = cardOf(target.name);
    await card.getByRole("button", { name: "Confirm and take it" }).click();
    await expect.poll(() => card.textContent(), { timeout: 15_000 }).toContain("Active");
    const text = (await card.textContent()) ?? "";
    expect(text).toContain("Assigned to");
    expect(text).toContain(DEMO.users.adviser.name);
    expect(text).not.toContain("Confirm and take it");
    // The one line in the card's thread, posted by the delivery worker.
    await expect
      .poll(
        () => page.getByText(`${DEMO.users.adviser.name} confirmed the case and took it.`).count(),
        {
          timeout: 15_000,
        },
      )
      .toBeGreaterThan(0);
    const state = await caseOf(target.caseId);
    expect(state?.status).toBe("active");
    expect(state?.assignee).toBe("T-ALEX");
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, "2-confirmed.png") });
  });

  it("they log a contact attempt through the card's form, and the card shows it", async () => {
    const active = await demo.reach.store.listCases({ policyId: DEMO.policyId, status: "active" });
    expect(active).toHaveLength(1);
    const card = cardOf(nameOf(active[0].studentId));
    await card.getByRole("button", { name: "Log contact…" }).click();
    // Teams' renderer draws a compact choice set as a combobox with a pop-up list.
    await card.getByRole("combobox", { name: "How did you try to reach the student?" }).click();
    await page.getByRole("option", { name: "Phone", exact: true }).click();
    await card.getByRole("combobox", { name: "What happened?" }).click();
    await page.getByRole("option", { name: "No answer", exact: true }).click();
    await card.getByRole("button", { name: "Log contact", exact: true }).click();
    await expect.poll(() => card.textContent(), { timeout: 15_000 }).toContain("Last contact");
    expect(await card.textContent()).toMatch(/Phone/);
    const state = await caseOf(active[0].caseId);
    expect(state?.contacts).toHaveLength(1);
    expect(state?.contacts[0]).toMatchObject({
      channel: "phone",
      outcome: "no_answer",
      by: "T-ALEX",
    });
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, "3-contact-logged.png") });
  });

  it("a second unanswered attempt: Reach proposes an escalation, and the engagement lead accepts it", async () => {
    const active = await demo.reach.store.listCases({ policyId: DEMO.policyId, status: "active" });
    expect(active).toHaveLength(1);
    const caseId = active[0].caseId;
    const card = cardOf(nameOf(active[0].studentId));
    await card.getByRole("button", { name: "Log contact…" }).click();
    await card.getByRole("combobox", { name: "How did you try to reach the student?" }).click();
    await page.getByRole("option", { name: "Email", exact: true }).click();
    await card.getByRole("combobox", { name: "What happened?" }).click();
    await page.getByRole("option", { name: "Left a message", exact: true }).click();
    await card.getByRole("button", { name: "Log contact", exact: true }).click();
    // The policy's `unanswered_attempts: 2`: Reach proposes, in the same change.
    const reason = "2 contact attempts in a row without an answer";
    await expect
      .poll(() => card.textContent(), { timeout: 15_000 })
      .toContain("Reach proposed an escalation");
    expect(await card.textContent()).toContain(reason);
    await expect
      .poll(
        () => page.getByText(`Reach proposed an escalation to engagement-lead: ${reason}`).count(),
        { timeout: 15_000 },
      )
      .toBeGreaterThan(0);
    expect((await caseOf(caseId))?.escalation?.status).toBe("pending");
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, "3a-escalation-proposed.png") });

    // Only an engagement lead decides: Adele Vance, through the same card.
    await page.route("**/_conversation/v1/invoke", async (route) => {
      const body = JSON.parse(route.request().postData() ?? "{}");
      body.from = { id: DEMO.users.lead.id };
      await route.continue({ postData: JSON.stringify(body) });
    });
    try {
      await card.getByRole("button", { name: "Decide escalation…" }).click();
      await card.getByRole("radio", { name: "Accept: escalate the case" }).check();
      await card.getByRole("button", { name: "Record decision", exact: true }).click();
      await expect
        .poll(() => card.textContent(), { timeout: 15_000 })
        .toContain(`Escalation accepted by ${DEMO.users.lead.name}`);
    } finally {
      await page.unroute("**/_conversation/v1/invoke");
    }
    const state = await caseOf(caseId);
    expect(state?.status).toBe("escalated");
    const audit = await demo.reach.store.listAudit(DEMO.policyId, caseId);
    expect(audit.at(-1)).toMatchObject({
      actor: "T-ADELE",
      action: "decide_escalation",
      allowed: true,
    });
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, "3b-escalation-accepted.png") });
  });

  it("an adviser of another school is refused, politely, and nothing changes", async () => {
    const [target] = await proposed();
    const before = await demo.reach.store.getCase(DEMO.policyId, target.caseId);
    await page.route("**/_conversation/v1/invoke", async (route) => {
      const body = JSON.parse(route.request().postData() ?? "{}");
      body.from = { id: DEMO.users.otherSchoolAdviser.id };
      await route.continue({ postData: JSON.stringify(body) });
    });
    const card = cardOf(target.name);
    await card.getByRole("button", { name: "Confirm and take it" }).click();
    await expect
      .poll(() => card.textContent(), { timeout: 15_000 })
      .toContain(`Sorry, ${DEMO.users.otherSchoolAdviser.name}`);
    const text = (await card.textContent()) ?? "";
    expect(text).toContain("Nothing has changed");
    expect(text).toContain("Proposed");
    await page.unroute("**/_conversation/v1/invoke");
    const after = await demo.reach.store.getCase(DEMO.policyId, target.caseId);
    expect(after?.version).toBe(before?.version);
    const audit = await demo.reach.store.listAudit(DEMO.policyId, target.caseId);
    expect(audit.at(-1)).toMatchObject({ actor: "T-MEGAN", action: "confirm", allowed: false });
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, "4-refused.png") });
  });

  it("the student's own Teams: Reach records Ben's personal chat under his Entra object id", async () => {
    await studentPage.getByText("Connected.", { exact: true }).first().waitFor({ timeout: 60_000 });
    await expect
      .poll(async () => {
        const chat = await demo.reach.store.getConversation(DEMO.student.personalChatId);
        return chat && { kind: chat.kind, user: chat.userAadObjectId, tenant: chat.tenantId };
      })
      .toEqual({ kind: "personal", user: DEMO.student.aad, tenant: DEMO.tenantId });
    // The directory knows him by that id: the row of students.csv with the same name.
    const student = demo.reach.directory.get().students.get(DEMO.student.studentId);
    expect(student).toMatchObject({
      displayName: DEMO.student.name,
      preferredName: DEMO.student.preferredName,
      aadObjectId: DEMO.student.aad,
      school: "sch1",
      adviserIds: ["T-ALEX"],
    });
    // And the demo run opened a case for him, with a card in the Cases channel.
    const cases = await demo.reach.store.listCases({ policyId: DEMO.policyId });
    expect(cases.some((c) => c.studentId === DEMO.student.studentId)).toBe(true);
    await studentPage.screenshot({ path: join(ARTIFACTS, "5-student-page.png") });
  });

  it(`the adviser proposes and sends a message; Ben answers "I'd like to talk" and the card shows it`, async () => {
    const ben = DEMO.student.preferredName;
    const cases = await demo.reach.store.listCases({ policyId: DEMO.policyId });
    const caseId = cases.find((c) => c.studentId === DEMO.student.studentId)?.caseId ?? "";
    expect(caseId).not.toBe("");
    // Ben's card by its place in the channel (the card shows its case id): the form that
    // "Propose message" returns takes the card's place, and names him only in sentences.
    const cards = page.locator(".ac-adaptiveCard");
    const place = (await cards.allTextContents()).findIndex((t) => t.includes(caseId));
    expect(place).toBeGreaterThanOrEqual(0);
    const card = cards.nth(place);
    await card.scrollIntoViewIfNeeded();
    const confirm = card.getByRole("button", { name: "Confirm and take it" });
    if ((await confirm.count()) > 0) {
      await confirm.click();
      await expect.poll(() => card.textContent(), { timeout: 15_000 }).toContain("Active");
    }
    await page.screenshot({ path: join(ARTIFACTS, "6-ben-confirmed.png") });

    // The form comes back to the clicker in place of the card: the suggested text, a
    // preview of what Ben will see, and the Send button.
    await card.getByRole("button", { name: "Propose message" }).click();
    const send = card.getByRole("button", { name: `Send to ${ben}`, exact: true });
    await send.waitFor({ timeout: 15_000 });
    const text = (await card.locator("textarea").first().inputValue()).trim();
    expect(text.length).toBeGreaterThan(0);
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, "7-propose-form.png") });
    await send.click();
    await expect
      .poll(() => card.getByRole("button", { name: `Send to ${ben}`, exact: true }).count(), {
        timeout: 15_000,
      })
      .toBe(0);
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, "8-sent.png") });

    // Ben's own Teams: the message, from his adviser, with the approved text verbatim.
    const message = studentPage
      .locator(".ac-adaptiveCard")
      .filter({ hasText: `A message from ${DEMO.users.adviser.name}` })
      .first();
    await message.waitFor({ timeout: 30_000 });
    expect(await message.textContent()).toContain(text.split("\n")[0]);
    await studentPage.screenshot({ path: join(ARTIFACTS, "9-student-message.png") });
    await message.getByRole("button", { name: "I'd like to talk", exact: true }).click();
    await expect
      .poll(() => studentPage.getByText(`Thanks, ${ben}`).count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await studentPage.screenshot({ path: join(ARTIFACTS, "10-student-replied.png") });

    // The adviser's card shows his answer.
    await expect.poll(() => card.textContent(), { timeout: 15_000 }).toContain("I'd like to talk");
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, "11-card-shows-reply.png") });
    const stored = await demo.reach.store.getCase(DEMO.policyId, caseId);
    expect(stored?.events.map((e) => String(e.type))).toEqual(
      expect.arrayContaining(["outreach_approved", "outreach_sent", "student_replied"]),
    );
  });

  it("the engagement lead lowers the attendance threshold from the policy card: preview, save, the next run uses it, the history shows why", async () => {
    const policy = demo.reach.policies.find((p) => p.id === DEMO.policyId);
    if (policy === undefined) throw new Error(`no policy ${DEMO.policyId}`);
    const original = await readFile(policy.file, "utf8");
    // What the preview must say: two dry runs of the same data and date, 0.90 and 0.85.
    const change = { kind: "threshold", ruleId: "chronic-absence", value: 0.85 } as const;
    const applied = applyPolicyChange(original, policy.file, change);
    if (!applied.ok) throw new Error("the change does not apply");
    const firing = async (p: Policy) =>
      new Set(
        (
          await dryRun({
            policy: p,
            source: "canonical",
            dataDir: demo.dataDir,
            asOf: parseIsoDate(demo.run.asOf) as number,
          })
        ).findings
          .filter((f) => f.ruleIds.includes("chronic-absence"))
          .map((f) => f.studentId),
      );
    const before = await firing(policy);
    const after = await firing(applied.policy);
    const lose = [...before].filter((id) => !after.has(id)).length;
    expect(lose).toBeGreaterThan(0);

    // The policy card Adele asked for is in the channel; she (not the signed-in adviser)
    // clicks on it.
    const cards = page.locator(".ac-adaptiveCard");
    await expect
      .poll(async () => (await cards.allTextContents()).some((t) => t.includes("in plain words")), {
        timeout: 20_000,
      })
      .toBe(true);
    const place = (await cards.allTextContents()).findIndex((t) => t.includes("in plain words"));
    const card = cards.nth(place);
    const why = "Too many cases for the team to follow up this term";
    await page.route("**/_conversation/v1/invoke", async (route) => {
      const body = JSON.parse(route.request().postData() ?? "{}");
      body.from = { id: DEMO.users.lead.id };
      await route.continue({ postData: JSON.stringify(body) });
    });
    try {
      await card.getByRole("button", { name: "Change…" }).first().click();
      const threshold = card.getByLabel("Threshold: attendance rate below").first();
      await threshold.fill("0.85");
      await card.getByLabel("Why?").first().fill(why);
      await card.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, "12-policy-change-form.png") });
      await card.getByRole("button", { name: "Preview", exact: true }).first().click();

      // The preview replaces the card for Adele: the change, and who would lose a finding.
      await expect.poll(() => card.textContent(), { timeout: 20_000 }).toContain("0.9 → 0.85");
      expect(await card.textContent()).toContain(`${lose} would lose, 0 would gain`);
      await card.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, "13-policy-preview.png") });

      await card.getByRole("button", { name: "Save", exact: true }).click();
      await expect
        .poll(() => card.textContent(), { timeout: 20_000 })
        .toContain("Saved as version 2");
      await page.screenshot({ path: join(ARTIFACTS, "14-policy-saved.png") });
      expect(await readFile(policy.file, "utf8")).toBe(applied.text);

      // The history, from the card: version 2 is Adele's, with her reason.
      await card.getByRole("button", { name: "History", exact: true }).click();
      await expect.poll(() => card.textContent(), { timeout: 20_000 }).toContain("Version 2");
      const history = (await card.textContent()) ?? "";
      expect(history).toContain(`${DEMO.users.lead.name} · changed from Teams`);
      expect(history).toContain(`Why: ${why}`);
      expect(history).toContain("Version 1");
      await card.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, "15-policy-history.png") });
    } finally {
      await page.unroute("**/_conversation/v1/invoke");
    }
    // The channel is told, by the delivery worker.
    await expect
      .poll(() => page.getByText(/Adele Vance changed rule .*0\.9 → 0\.85/).count(), {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);

    // The next run reads the saved policy: it records version 2 and flags as the dry run at 0.85.
    const saved = demo.reach.policies.find((p) => p.id === DEMO.policyId);
    const dataset = demo.reach.dataset;
    if (saved === undefined || dataset === undefined) throw new Error("no policy or data");
    const result = await runPolicy({
      store: demo.reach.store,
      policy: saved,
      dataset,
      asOf: parseIsoDate(demo.run.asOf) as number,
      at: new Date().toISOString(),
      owner: runnerId("e2e"),
    });
    const flagged = result.evaluation.findings
      .filter((f) => f.ruleIds.includes("chronic-absence"))
      .map((f) => f.studentId)
      .sort();
    expect(flagged).toEqual([...after].sort());
    const [run] = await demo.reach.store.listRuns({ policyId: DEMO.policyId, limit: 1 });
    expect(run).toMatchObject({ status: "succeeded", policyVersion: 2 });
    const [latest] = await demo.reach.store.listPolicyVersions(DEMO.policyId);
    expect(latest).toMatchObject({ version: 2, author: "T-ADELE", reason: why, source: "teams" });
  });
});

/** `date` (YYYY-MM-DD) itself on a weekday, else the Friday before. */
function latestWeekday(date: string): string {
  let day = parseIsoDate(date) as number;
  while (weekday(day) === 0 || weekday(day) === 6) day--;
  return formatDay(day);
}

/**
 * What Teams answers reaches the delivery worker as Teams said it, through the bot's
 * connector (the adapter's turn-error handler must not swallow it): a 400 on a new card
 * dead-letters that card at once with the status, and a 503 is tried again and then sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CASES,
  drained,
  GENERAL,
  type Harness,
  runEngine,
  SAMPLE,
  startHarness,
  USERS,
} from "../helpers/fake-connector.ts";

describe("Teams' failures, as the delivery worker sees them", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.teams.installInTeam(GENERAL, USERS.adele);
    await h.teams.channelMessage(CASES, USERS.adele, `link ${SAMPLE.policyId}`);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("a 400 dead-letters the card with Teams' status; a 503 is retried; the others are sent once", async () => {
    h.fake.failNext("post", 400);
    h.fake.failNext("post", 503);
    const run = await runEngine(h);
    await drained(h.store);
    const entries = await h.store.listOutbox({ policyId: SAMPLE.policyId });
    expect(entries).toHaveLength(run.opened);
    const dead = entries.filter((e) => e.status === "dead");
    expect(dead).toHaveLength(1);
    expect(dead[0].lastError).toMatch(/400/);
    expect(dead[0].lastError).not.toMatch(/without an activity id/);
    const sent = entries.filter((e) => e.status === "sent");
    expect(sent).toHaveLength(run.opened - 1);
    const posts = h.fake.requests.filter((r) => r.route === "post");
    // The 503 was tried again (by Bot Framework's client or the worker) and then sent: every
    // card but the refused one reached Teams once.
    expect(posts.map((r) => r.status).sort()).toEqual(
      [400, 503, ...Array(run.opened - 1).fill(200)].sort(),
    );
    const answered = posts.filter((r) => r.status === 200).map((r) => r.answeredId);
    expect(new Set(answered).size).toBe(run.opened - 1);
    expect(sent.map((e) => e.activityId).sort()).toEqual([...answered].sort());
  }, 60_000);
});

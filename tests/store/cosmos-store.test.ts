/**
 * The Cosmos DB adapter against `@vercel/cosmosdb-server` (a Cosmos DB REST server) on a
 * random loopback port, through the real `@azure/cosmos` SDK: the store contract, unchanged,
 * with fresh containers for each test in a database made for this file; plus a crash between
 * writing a case document and its derived documents, finished by a retry or by the sweep.
 */
import { randomUUID } from "node:crypto";
import { Agent } from "node:https";
import type { AddressInfo } from "node:net";
import { createHttpsServer } from "@vercel/cosmosdb-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CosmosStore,
  type CosmosStoreOptions,
  openCosmosStore,
} from "../../src/store/cosmos/cosmos-store.ts";
import { storeContract } from "./store-contract.ts";
import { CaseScript, SEF } from "./store-fixtures.ts";

// The test server's certificate is self-signed: trusted by this agent only, not process-wide.
const agent = new Agent({ rejectUnauthorized: false, keepAlive: true });
const server = createHttpsServer({ keepAlive: true });
const database = `reach-test-${randomUUID().slice(0, 8)}`;
let endpoint = "";
let stores = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  agent.destroy();
});

/** A store on containers of its own (or on store `n`'s), so every test starts empty. */
function makeStore(extra: Partial<CosmosStoreOptions> = {}, n = ++stores) {
  return openCosmosStore({
    endpoint,
    key: "test-key",
    agent,
    database,
    containers: { cases: `cases-${n}`, outbox: `outbox-${n}`, audit: `audit-${n}` },
    ...extra,
  });
}

storeContract("Cosmos DB (cosmosdb-server)", () => makeStore(), {
  // Another process's store on the same containers.
  twin: async (store) => {
    const { cases, outbox, audit } = (store as CosmosStore).containers;
    return makeStore({ containers: { cases: cases.id, outbox: outbox.id, audit: audit.id } });
  },
  // Every document of every container the store uses, read back through the SDK.
  everything: async (store) => {
    const { cases, outbox, audit } = (store as CosmosStore).containers;
    const docs = await Promise.all(
      [cases, outbox, audit].map((c) => c.items.query("SELECT * FROM c").fetchAll()),
    );
    return JSON.stringify(docs.map((d) => d.resources));
  },
});

describe("Cosmos DB store", () => {
  /** Fails the step after the case document once, as a crash there would. */
  function crashOnce() {
    let armed = true;
    return {
      afterCaseWrite: () => {
        if (armed) {
          armed = false;
          throw new Error("simulated crash after the case document");
        }
      },
    };
  }

  it("completes a change that crashed after its case document when the append is retried", async () => {
    const store = await makeStore({ faults: crashOnce() });
    const script = new CaseScript(SEF, "stu-1");
    const open = script.open();
    await expect(store.appendCaseEvents(open)).rejects.toThrow("simulated crash");
    // Committed, but its card and audit record are not written yet.
    expect((await store.getCase(SEF.id, script.caseId))?.version).toBe(1);
    expect(await store.listOutbox()).toEqual([]);
    expect(await store.listAudit(SEF.id, script.caseId)).toEqual([]);

    expect(await store.appendCaseEvents(open)).toMatchObject({ ok: true, replayed: true });
    expect(await store.appendCaseEvents(open)).toMatchObject({ ok: true, replayed: true });
    expect((await store.listOutbox()).map((e) => e.id)).toEqual([open.outbox?.[0].id]);
    expect(await store.listAudit(SEF.id, script.caseId)).toHaveLength(1);
    await store.close();
  });

  it("completes a crashed change in the sweep before claiming, and by the next change", async () => {
    const store = await makeStore({ faults: crashOnce() });
    const a = new CaseScript(SEF, "stu-1");
    const openA = a.open();
    await expect(store.appendCaseEvents(openA)).rejects.toThrow("simulated crash");
    const b = new CaseScript(SEF, "stu-2", "2026-11-20", 5);
    await store.appendCaseEvents(b.open());
    expect((await store.listOutbox()).map((e) => e.caseId)).toEqual([b.caseId]);

    // The sweep writes A's card out, and claiming then sees it, once.
    const claimed = await store.claimDue("2026-11-23T12:00:00Z", 10, 60_000, "w1");
    expect(claimed.map((e) => e.caseId)).toEqual([a.caseId, b.caseId]);
    expect(await store.claimDue("2026-11-23T12:00:01Z", 10, 60_000, "w2")).toEqual([]);
    expect(await store.listAudit(SEF.id, a.caseId)).toHaveLength(1);

    // Retrying now, or changing the case, writes nothing twice.
    expect(await store.appendCaseEvents(openA)).toMatchObject({ ok: true, replayed: true });
    await store.appendCaseEvents(a.next({ type: "confirm" }, "ada"));
    expect((await store.listOutbox({ caseId: a.caseId })).map((e) => e.kind)).toEqual([
      "case_card",
      "card_update",
    ]);
    expect(await store.listAudit(SEF.id, a.caseId)).toHaveLength(2);
    expect(await store.countOutbox()).toEqual({ pending: 3, sent: 0, dead: 0 });
    await store.close();
  });

  it("finishes a crashed change before the next change to the case is decided", async () => {
    const store = await makeStore();
    const script = new CaseScript(SEF, "stu-1");
    await store.appendCaseEvents(script.open());
    // Another instance (another process, in effect) on the same containers crashes.
    const crashing = await makeStore({ faults: crashOnce() }, stores);
    const confirm = script.next({ type: "confirm" }, "ada", ["card_update", "thread_reply"]);
    await expect(crashing.appendCaseEvents(confirm)).rejects.toThrow("simulated crash");
    await crashing.close();

    const note = script.next(
      { type: "add_note", noteId: "n1", text: "Called home", visibility: "team" },
      "ada",
    );
    expect(await store.appendCaseEvents(note)).toMatchObject({ ok: true, case: { version: 3 } });
    expect((await store.listOutbox({ caseId: script.caseId })).map((e) => e.kind)).toEqual([
      "case_card",
      "card_update",
      "thread_reply",
      "card_update",
    ]);
    expect(await store.listAudit(SEF.id, script.caseId)).toHaveLength(3);
    await store.close();
  });

  it("reads and marks an outbox document written before sendingAt existed", async () => {
    const store = await makeStore();
    const n = stores;
    const container = store.client.database(database).container(`outbox-${n}`);
    await container.items.create({
      id: "digest-0",
      policyId: SEF.id,
      caseId: null,
      kind: "thread_reply",
      payload: { n: 0 },
      createdAt: Date.parse("2026-11-23T09:00:00Z"),
      dueAt: Date.parse("2026-11-23T09:00:00Z"),
      attempts: 0,
      status: "pending",
      claimedBy: null,
      claimedUntil: null,
      activityId: null,
      lastError: null,
      sentAt: null,
      seq: 1,
      ordinal: null,
    });
    const key = { policyId: SEF.id, id: "digest-0" };
    expect(await store.getOutboxEntry(key)).not.toHaveProperty("sendingAt");
    const [claimed] = await store.claimDue("2026-11-23T10:00:00Z", 1, 30_000, "w1");
    expect(claimed).not.toHaveProperty("sendingAt");
    expect(await store.markSending(key, "2026-11-23T10:00:01.000Z")).toBe(true);
    expect(await store.getOutboxEntry(key)).toMatchObject({
      claimedBy: "w1",
      sendingAt: "2026-11-23T10:00:01.000Z",
    });
    await store.close();
  });

  it("keeps conversations in the ~teams partition and bindings in their policy's", async () => {
    const store = await makeStore();
    const cases = store.client.database(database).container(`cases-${stores}`);
    await store.saveConversation({
      id: "19:cases@thread.tacv2",
      kind: "channel",
      teamId: "19:team@thread.tacv2",
      reference: { conversation: { id: "19:cases@thread.tacv2" } },
      updatedAt: "2026-11-23T09:00:00.000Z",
    });
    await store.saveBinding({
      policyId: SEF.id,
      conversationId: "19:cases@thread.tacv2",
      boundBy: "lee",
      boundAt: "2026-11-23T09:00:00.000Z",
    });
    const { resources } = await cases.items
      .query<{ id: string; policyId: string; docType: string }>(
        "SELECT c.id, c.policyId, c.docType FROM c",
      )
      .fetchAll();
    expect(resources.map((d) => [d.docType, d.policyId]).sort()).toEqual([
      ["channel-binding", SEF.id],
      ["conversation", "~teams"],
    ]);
    // The cases binding keeps the id every binding had before leads' channels.
    expect(resources.find((d) => d.docType === "channel-binding")?.id).toBe("channel-binding");
    expect(resources.find((d) => d.docType === "conversation")?.id).toMatch(
      /^conversation:[0-9a-f]{64}$/,
    );
    await store.close();
  });

  it("reads a binding written before leads' channels as the cases binding, and refuses a mixed-up one", async () => {
    const store = await makeStore();
    const cases = store.client.database(database).container(`cases-${stores}`);
    const binding = {
      policyId: SEF.id,
      conversationId: "19:cases@thread.tacv2",
      boundBy: "lee",
      boundAt: "2026-11-23T09:00:00.000Z",
    };
    // As an earlier Reach wrote it.
    await cases.items.create({
      id: "channel-binding",
      docType: "channel-binding",
      policyId: SEF.id,
      binding,
    });
    expect(await store.getBinding(SEF.id)).toStrictEqual(binding);
    expect(await store.getBinding(SEF.id, "leads")).toBeUndefined();
    const leads = {
      ...binding,
      conversationId: "19:leads@thread.tacv2",
      purpose: "leads" as const,
    };
    await store.saveBinding(leads);
    const { resources } = await cases.items
      .query<{ id: string }>('SELECT c.id FROM c WHERE c.docType = "channel-binding"')
      .fetchAll();
    expect(resources.map((d) => d.id).sort()).toEqual(["channel-binding", "channel-binding:leads"]);
    expect(await store.listBindings()).toStrictEqual([binding, leads]);
    // A leads' binding under the cases binding's id was changed outside Reach.
    await cases.items.upsert({
      id: "channel-binding",
      docType: "channel-binding",
      policyId: SEF.id,
      binding: leads,
    });
    await expect(store.getBinding(SEF.id)).rejects.toMatchObject({ code: "corrupt_record" });
    await store.close();
  });

  it("lets a student's next case open when closing the last one crashed half way", async () => {
    const store = await makeStore();
    const first = new CaseScript(SEF, "stu-1", "2026-11-20");
    const second = new CaseScript(SEF, "stu-1", "2026-11-27", 30);
    await store.appendCaseEvents(first.open());
    const crashing = await makeStore({ faults: crashOnce() }, stores);
    const dismiss = first.next({ type: "dismiss", reason: "data_error" }, "ada");
    await expect(crashing.appendCaseEvents(dismiss)).rejects.toThrow("simulated crash");
    await crashing.close();

    // The slot still names the dismissed case: it is taken over, not a reason to refuse.
    expect(await store.appendCaseEvents(second.open())).toMatchObject({ ok: true });
    expect((await store.findOpenCase(SEF.id, "stu-1"))?.caseId).toBe(second.caseId);
    const reopen = await store.appendCaseEvents(first.request({ type: "reopen" }, "ada"));
    expect(reopen).toMatchObject({ ok: false, reason: "open_case_exists" });
    expect(await store.listOutbox({ caseId: first.caseId })).toHaveLength(2);
    await store.close();
  });
});

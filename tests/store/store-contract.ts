/**
 * The one contract every `Store` adapter must pass (SQLite now, Cosmos DB later): call
 * `storeContract` from the adapter's test file with a factory that returns a new, empty
 * store for each test.
 */
import { afterEach, beforeEach, describe } from "vitest";
import type { Store } from "../../src/store/store.ts";
import { caseContract } from "./case-contract.ts";
import { erasureContract } from "./erasure-contract.ts";
import { outboxContract } from "./outbox-contract.ts";
import { runContract } from "./run-contract.ts";
import { teamsContract } from "./teams-contract.ts";

export function storeContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let current: Store | undefined;
    const store = (): Store => {
      if (current === undefined) throw new Error("the store is opened before each test");
      return current;
    };

    beforeEach(async () => {
      current = await makeStore();
    });
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    describe("cases", () => caseContract(store));
    describe("erasure", () => erasureContract(store));
    describe("outbox", () => outboxContract(store));
    describe("runs, rule state, leases and audit", () => runContract(store));
    describe("Teams conversations and channel bindings", () => teamsContract(store));
  });
}

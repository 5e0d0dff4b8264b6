/**
 * The one contract every `Store` adapter must pass: call `storeContract` from the adapter's
 * test file with a factory that returns a new, empty store for each test, and what the
 * adapter can offer of `StoreHarness`.
 */
import { afterEach, beforeEach, describe } from "vitest";
import type { Store } from "../../src/store/store.ts";
import { caseContract } from "./case-contract.ts";
import { erasureContract } from "./erasure-contract.ts";
import { installationContract } from "./installation-contract.ts";
import { outboxContract } from "./outbox-contract.ts";
import { policyVersionContract } from "./policy-version-contract.ts";
import { runContract } from "./run-contract.ts";
import { studentMessageContract } from "./student-message-contract.ts";
import { teamsContract } from "./teams-contract.ts";

export interface StoreHarness {
  /** Another store on the same database as `store`, as a second process would open it. */
  twin?: (store: Store) => Promise<Store>;
  /** Every record in the store's database, as text: what erasure must leave clean. */
  everything?: (store: Store) => Promise<string>;
}

export function storeContract(
  name: string,
  makeStore: () => Promise<Store>,
  harness: StoreHarness = {},
): void {
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
    describe("erasure", () => erasureContract(store, harness.everything));
    describe("outbox", () => outboxContract(store));
    describe("messages to students", () => studentMessageContract(store));
    describe("runs, rule state, leases and audit", () => runContract(store));
    describe("Teams conversations and channel bindings", () => teamsContract(store));
    describe("policy versions", () => policyVersionContract(store));
    describe("installation secret", () => installationContract(store, harness.twin));
  });
}

/**
 * The store contract for the installation's secret, which keys case ids: made once, kept,
 * and the same for every store on the database, even when they ask for it at once.
 */
import { expect, it } from "vitest";
import type { Store } from "../../src/store/store.ts";

export function installationContract(
  store: () => Store,
  twin: ((store: Store) => Promise<Store>) | undefined,
): void {
  it("makes a secret of 32 random bytes once, and answers it again", async () => {
    const secret = await store().installationSecret();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(await store().installationSecret()).toBe(secret);
  });

  it.runIf(twin !== undefined)(
    "gives two stores opened on the same new database the same secret",
    async () => {
      const other = await (twin as (store: Store) => Promise<Store>)(store());
      try {
        // Both ask before either has one: only one secret may be kept.
        const [a, b] = await Promise.all([
          store().installationSecret(),
          other.installationSecret(),
        ]);
        expect(a).toMatch(/^[0-9a-f]{64}$/);
        expect(b).toBe(a);
        expect(await other.installationSecret()).toBe(a);
      } finally {
        await other.close();
      }
    },
  );
}

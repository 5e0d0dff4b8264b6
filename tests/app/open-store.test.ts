/** The CLI's store selection from the environment: clear errors for incomplete settings. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/cli/open-store.ts";

describe("openStore", () => {
  it("opens SQLite by default at the file given", async () => {
    const store = await openStore(join(mkdtempSync(join(tmpdir(), "reach-open-")), "x.db"), {});
    expect(await store.listCases()).toEqual([]);
    await store.close();
  });

  it("names what is missing or wrong", async () => {
    await expect(openStore(undefined, { REACH_STORE: "mongo" })).rejects.toThrow(
      "REACH_STORE=mongo is not sqlite or cosmos",
    );
    await expect(openStore(undefined, { REACH_STORE: "cosmos" })).rejects.toThrow(
      "needs REACH_COSMOS_ENDPOINT",
    );
    await expect(
      openStore(undefined, {
        REACH_STORE: "cosmos",
        REACH_COSMOS_ENDPOINT: "https://x.documents.azure.com",
      }),
    ).rejects.toThrow("either REACH_COSMOS_KEY or REACH_COSMOS_AUTH=managed-identity");
    await expect(
      openStore(undefined, {
        REACH_STORE: "cosmos",
        REACH_COSMOS_ENDPOINT: "https://x.documents.azure.com",
        REACH_COSMOS_KEY: "k",
        REACH_COSMOS_LOOPBACK_TLS: "self-signed",
      }),
    ).rejects.toThrow("only for an endpoint on 127.0.0.1");
  });
});

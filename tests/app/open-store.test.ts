/** The CLI's store selection from the environment: clear errors for incomplete settings. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/app/open-store.ts";
import { readStoreSettings } from "../../src/app/store-settings.ts";

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

  it("checks REACH_CASE_ID_SECRET and reports every problem at once", () => {
    expect(() => readStoreSettings(undefined, { REACH_CASE_ID_SECRET: "short" })).toThrow(
      "REACH_CASE_ID_SECRET must be at least 32 characters",
    );
    const secret = "k".repeat(32);
    expect(readStoreSettings("x.db", { REACH_CASE_ID_SECRET: secret })).toEqual({
      kind: "sqlite",
      path: resolve("x.db"),
      caseIdSecret: secret,
    });
    expect(readStoreSettings(undefined, { REACH_DB: " /srv/reach.db " })).toEqual({
      kind: "sqlite",
      path: "/srv/reach.db",
    });
    let message = "";
    try {
      readStoreSettings(undefined, {
        REACH_STORE: "cosmos",
        REACH_COSMOS_AUTH: "password",
        REACH_CASE_ID_SECRET: "short",
      });
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain("REACH_CASE_ID_SECRET must be at least 32 characters");
    expect(message).toContain("REACH_COSMOS_AUTH must be managed-identity");
    expect(message).toContain("needs REACH_COSMOS_ENDPOINT");
  });
});

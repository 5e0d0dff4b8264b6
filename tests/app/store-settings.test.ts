/**
 * Where the SQLite store is: `--db`, else `REACH_DB`, else `data/reach.db` in the Reach
 * folder — the folder of Reach's package.json, whatever the working folder. A relative
 * `--db` or `REACH_DB` is taken from the working folder; the settings hold the absolute
 * path. Nothing here opens or creates a store.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_QUARANTINE_DIR,
  DEFAULT_SQLITE_PATH,
  REACH_HOME,
  readStoreSettings,
} from "../../src/app/index.ts";

const ROOT = resolve(import.meta.dirname, "../..");

describe("the store's default location", () => {
  it("the Reach folder is the one holding Reach's package.json", () => {
    expect(REACH_HOME).toBe(ROOT);
    const pkg = JSON.parse(readFileSync(join(REACH_HOME, "package.json"), "utf8"));
    expect(pkg).toMatchObject({ name: "reach", bin: { reach: "bin/reach.js" } });
  });

  it("with neither --db nor REACH_DB: <Reach folder>/data/reach.db, absolute", () => {
    expect(readStoreSettings(undefined, {})).toEqual({
      kind: "sqlite",
      path: join(ROOT, "data", "reach.db"),
    });
    expect(readStoreSettings(undefined, { REACH_DB: "  " })).toMatchObject({
      path: join(ROOT, "data", "reach.db"),
    });
    expect(DEFAULT_SQLITE_PATH).toBe(join(ROOT, "data", "reach.db"));
  });

  it("the quarantine's default lies beside it, in the Reach folder's data/", () => {
    expect(DEFAULT_QUARANTINE_DIR).toBe(join(ROOT, "data", "quarantine"));
  });
});

describe("--db and REACH_DB", () => {
  it("--db before REACH_DB; an absolute path as it is", () => {
    expect(readStoreSettings("/srv/a.db", { REACH_DB: "/srv/b.db" })).toMatchObject({
      path: "/srv/a.db",
    });
    expect(readStoreSettings(undefined, { REACH_DB: "/srv/b.db" })).toMatchObject({
      path: "/srv/b.db",
    });
  });

  it("a relative one from the working folder, made absolute", () => {
    expect(readStoreSettings("x/reach.db", {})).toMatchObject({
      path: join(process.cwd(), "x", "reach.db"),
    });
    expect(readStoreSettings(undefined, { REACH_DB: " ../y.db " })).toMatchObject({
      path: resolve(process.cwd(), "..", "y.db"),
    });
  });

  it("keeps :memory: as it is", () => {
    expect(readStoreSettings(":memory:", {})).toMatchObject({ path: ":memory:" });
  });
});

/**
 * The module boundaries in `biome.json` hold (docs/architecture.md, "Boundaries,
 * enforced"): probe files laid out as under `src/` are linted with the project's own
 * configuration, in a folder of their own, and the lint refuses exactly the imports it
 * should — a front end reaching into the store or past `app/`, any module reaching past
 * another's `index.ts`, the pure core importing I/O — and lets the rest through.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const BIOME = join(ROOT, "node_modules/.bin/biome");

/** [path under the project, the import, refused?] */
const PROBES: [string, string, boolean][] = [
  // Front ends
  ["src/teams/p1.ts", 'import { openSqliteStore } from "../store/sqlite/sqlite-store.ts";', true],
  ["src/teams/p2.ts", 'import { decide } from "../cases/decide.ts";', true],
  ["src/teams/p3.ts", 'import { applyRun } from "../run/index.ts";', true],
  ["src/cli/p4.ts", 'import { applyRun } from "../run/apply-run.ts";', true],
  ["src/cli/p5.ts", 'import { actOnCase } from "../app/act-on-case.ts";', true],
  ["src/demo/p6.ts", 'import { openStore } from "../app/open-store.ts";', true],
  ["src/teams/cards/p7.ts", 'import { caseView } from "../../cases/case-view.ts";', true],
  ["src/teams/p8.ts", 'import { actOnCase } from "../app/index.ts";', false],
  ["src/cli/p9.ts", 'import { decide } from "../cases/index.ts";', false],
  // Any module past another's index.ts
  ["src/delivery/p10.ts", 'import { SqliteStore } from "../store/sqlite/sqlite-store.ts";', true],
  ["src/store/p11.ts", 'import { evolve } from "../cases/evolve.ts";', true],
  ["src/app/p12.ts", 'import { evaluate } from "../rules/evaluate.ts";', true],
  ["src/store/p13.ts", 'import { evolve } from "../cases/index.ts";', false],
  ["src/store/sqlite/p14.ts", 'import { evolve } from "./evolve.ts";', false],
  // The pure core does no I/O
  ["src/cases/p15.ts", 'import { readFileSync } from "node:fs";', true],
  ["src/metrics/p16.ts", 'import { readFile } from "node:fs/promises";', true],
  ["src/calendar/p17.ts", 'import Database from "better-sqlite3";', true],
  ["src/rules/evaluate-probe.ts", 'import { request } from "node:http";', false],
  ["src/rules/evaluate.ts", 'import { request } from "node:http";', true],
  ["src/data/schema.ts", 'import { CosmosClient } from "@azure/cosmos";', true],
  ["src/cases/p18.ts", 'import { TurnContext } from "botbuilder";', true],
  ["src/data/adapters/p19.ts", 'import { readFileSync } from "node:fs";', false],
  ["src/cases/p20.ts", 'import { createHmac } from "node:crypto";', false],
];

const dir = mkdtempSync(join(tmpdir(), "reach-boundaries-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lint(): string {
  const config = JSON.parse(readFileSync(join(ROOT, "biome.json"), "utf8"));
  // The probe folder is no git checkout; everything else is the project's configuration.
  config.vcs = { enabled: false };
  writeFileSync(join(dir, "biome.json"), JSON.stringify(config));
  for (const [path, line] of PROBES) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    const name = line.match(/import (?:\{ )?(\w+)/)?.[1] ?? "x";
    writeFileSync(join(dir, path), `${line}\n\nexport const probe = ${name};\n`);
  }
  try {
    return execFileSync(BIOME, ["lint", "--max-diagnostics=none", "--colors=off", "."], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ""}${e.stderr ?? ""}`;
  }
}

describe("module boundaries (biome.json)", () => {
  const output = lint();
  const refused = new Set(
    [...output.matchAll(/^(src\/\S+?\.ts):\d+:\d+ lint\/style\/noRestrictedImports/gm)].map(
      (m) => m[1],
    ),
  );

  it.each(PROBES)("%s: %s → refused %s", (path, _line, expected) => {
    expect(refused.has(path), output).toBe(expected);
  });
});

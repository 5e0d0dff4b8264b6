/**
 * The boundaries of `src/outreach/` in `biome.json`, linted as tests/architecture does it
 * (probe files in a folder of their own, with the project's configuration): other modules
 * reach it through its index.ts and it reaches them through theirs; all of it but the
 * folder loader is pure (no file system, network or database).
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
  ["src/app/o1.ts", 'import { factFor } from "../outreach/fact.ts";', true],
  ["src/teams/o2.ts", 'import { renderTemplate } from "../outreach/render.ts";', true],
  ["src/cli/o3.ts", 'import { loadTemplates } from "../outreach/load-templates.ts";', true],
  ["src/app/o4.ts", 'import { factFor } from "../outreach/index.ts";', false],
  ["src/outreach/o5.ts", 'import { evaluate } from "../rules/evaluate.ts";', true],
  ["src/outreach/o6.ts", 'import { evolve } from "../cases/evolve.ts";', true],
  ["src/outreach/o7.ts", 'import { evaluate } from "../rules/index.ts";', false],
  ["src/outreach/fact.ts", 'import { readFileSync } from "node:fs";', true],
  ["src/outreach/quiet-hours.ts", 'import { request } from "node:http";', true],
  ["src/outreach/text-check.ts", 'import { readFile } from "node:fs/promises";', true],
  ["src/outreach/load-templates.ts", 'import { readFile } from "node:fs/promises";', false],
];

const dir = mkdtempSync(join(tmpdir(), "reach-outreach-boundaries-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lint(): string {
  const config = JSON.parse(readFileSync(join(ROOT, "biome.json"), "utf8"));
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

describe("src/outreach boundaries (biome.json)", () => {
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

// Writes the configuration reference, a Markdown table of every environment variable Reach
// reads, into docs/operations.md between its two marker comments:
//
//   npm run docs:config        (node --import tsx scripts/config-reference.ts)
//
// The table is made from the zod schemas themselves (src/app/config.ts and
// src/app/store-settings.ts, through REACH_VARIABLES): names, descriptions, defaults,
// allowed values and whether each is required. tests/docs/config-reference.test.ts fails
// when the table in the document differs from what this would write.

import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type EnvVariable, REACH_VARIABLES } from "../src/app/index.ts";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const OPERATIONS_DOC = resolve(REPO_ROOT, "docs/operations.md");
export const START_MARKER = "<!-- config-reference:start -->";
export const END_MARKER = "<!-- config-reference:end -->";

/** A table cell: one line, `|` escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}

/** A value as code, unless it is Markdown already (a sentence with code spans). */
function code(value: string): string {
  return value.includes("`") ? value : `\`${value}\``;
}

/** The Markdown table of the variables, in the order given. */
export function configReference(variables: readonly EnvVariable[] = REACH_VARIABLES): string {
  const rows = variables.map((v) => {
    const required = v.required ? "yes" : (v.requiredWhen ?? "no");
    return `| ${[
      `\`${v.name}\``,
      v.description,
      v.default === undefined ? "" : code(v.default),
      (v.values ?? []).map(code).join(", "),
      required,
    ]
      .map(cell)
      .join(" | ")} |`;
  });
  return [
    "| variable | what it is | default | values | required |",
    "|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/** The document with the table between its markers (which must each appear once, in order). */
export function withReference(doc: string, table: string = configReference()): string {
  const start = doc.indexOf(START_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (
    start < 0 ||
    end < start ||
    doc.indexOf(START_MARKER, start + 1) >= 0 ||
    doc.indexOf(END_MARKER, end + 1) >= 0
  ) {
    throw new Error(`the document needs ${START_MARKER} and then ${END_MARKER}, once each`);
  }
  return `${doc.slice(0, start + START_MARKER.length)}\n${table}\n${doc.slice(end)}`;
}

/** The table as the document holds it now, between its markers (undefined without them). */
export function referenceIn(doc: string): string | undefined {
  const start = doc.indexOf(START_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (start < 0 || end < start) return undefined;
  return doc.slice(start + START_MARKER.length, end).trim();
}

async function main(): Promise<number> {
  const doc = await readFile(OPERATIONS_DOC, "utf8");
  let updated: string;
  try {
    updated = withReference(doc);
  } catch (error) {
    process.stderr.write(`docs/operations.md: ${(error as Error).message}\n`);
    return 1;
  }
  if (updated === doc) {
    process.stdout.write("docs/operations.md: the configuration reference is up to date\n");
    return 0;
  }
  await writeFile(OPERATIONS_DOC, updated);
  process.stdout.write(
    `docs/operations.md: the configuration reference written (${REACH_VARIABLES.length} variables)\n`,
  );
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}

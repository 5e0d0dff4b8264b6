import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cdmFileName, parseCdmSchema } from "./cdm.ts";
import type { Context } from "./context.ts";
import { ROSTER_DIR } from "./names.ts";

/** Roster entities the adapter reads; the others in the CDM are listed as not read. */
export const ROSTER_ENTITIES = [
  "Organization",
  "RefDefinition",
  "AadUserPersonMapping",
  "PersonOrganizationRole",
  "AadUser",
  "Section",
  "Enrollment",
] as const;
export type RosterEntity = (typeof ROSTER_ENTITIES)[number];

/**
 * The attribute names of every roster entity, from the roster folder's `.cdm.json`
 * (the one named `roster…` when there are several). Undefined, with the reason in the
 * report, when there is no readable schema: the headerless files cannot be read without it.
 */
export function loadRosterSchema(ctx: Context): Map<string, string[]> | undefined {
  const rosterDir = join(ctx.dir, ROSTER_DIR);
  const tally = ctx.report.file(`${ROSTER_DIR}/`, "roster schema");
  if (!existsSync(rosterDir)) {
    tally.fail(`${ROSTER_DIR}/ not found in ${ctx.dir}: no students can be loaded`);
    return undefined;
  }
  const manifests = readdirSync(rosterDir)
    .filter((f) => f.toLowerCase().endsWith(".cdm.json"))
    .sort();
  const schemaFile = manifests.find((f) => f.toLowerCase().startsWith("roster")) ?? manifests[0];
  if (schemaFile === undefined) {
    tally.fail(`no .cdm.json schema in ${ROSTER_DIR}/: the headerless roster files cannot be read`);
    return undefined;
  }
  let entities: Map<string, string[]>;
  try {
    entities = parseCdmSchema(JSON.parse(readFileSync(join(rosterDir, schemaFile), "utf8")));
  } catch (error) {
    tally.fail(`${schemaFile} is not valid JSON: ${(error as Error).message}`);
    return undefined;
  }
  if (entities.size === 0) {
    tally.fail(
      `${schemaFile} defines no entities (definitions[].entityName, hasAttributes[].name)`,
    );
    return undefined;
  }
  tally.note(`column names from ${schemaFile}: ${entities.size} entities`);
  const present = new Set(readdirSync(rosterDir).map((f) => f.toLowerCase()));
  const notRead = [...entities.keys()].filter(
    (e) => !(ROSTER_ENTITIES as readonly string[]).includes(e) && present.has(cdmFileName(e)),
  );
  if (notRead.length > 0) {
    tally.note(
      `not read: ${notRead.map(cdmFileName).join(", ")} (Teams class groups duplicate ` +
        "Section/Enrollment; person details beyond names and identifiers are not needed)",
    );
  }
  return entities;
}

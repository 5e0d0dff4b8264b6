/** Common Data Model (CDM) schema documents, which name the columns of headerless roster CSVs. */

/**
 * Attribute names per entity from a CDM schema document (`definitions[].entityName` and
 * `hasAttributes[].name`, in order: the column order of the entity's headerless CSV).
 */
export function parseCdmSchema(json: unknown): Map<string, string[]> {
  const entities = new Map<string, string[]>();
  const definitions = (json as { definitions?: unknown })?.definitions;
  if (!Array.isArray(definitions)) return entities;
  for (const def of definitions) {
    const name = (def as { entityName?: unknown })?.entityName;
    const attrs = (def as { hasAttributes?: unknown })?.hasAttributes;
    if (typeof name !== "string" || !Array.isArray(attrs)) continue;
    const names = attrs.map((a) =>
      typeof a === "string" ? a : String((a as { name?: unknown })?.name ?? ""),
    );
    entities.set(name, names);
  }
  return entities;
}

/** The file holding an entity's rows: the entity name lower-cased (`AadUser` → `aaduser.csv`). */
export function cdmFileName(entity: string): string {
  return `${entity.toLowerCase()}.csv`;
}

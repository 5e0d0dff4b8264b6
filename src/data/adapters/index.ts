/** The adapters Reach ships, by the name used on the command line (`--source`). */
import type { Adapter } from "./adapter.ts";
import { canonicalAdapter } from "./canonical.ts";
import { combinedAdapter } from "./combined.ts";
import { edfiAdapter } from "./edfi.ts";
import { graphAdapter } from "./graph.ts";
import { metricsAdapter } from "./metrics.ts";
import { moodleAdapter } from "./moodle.ts";
import { oeaAdapter } from "./oea.ts";
import { oneRosterAdapter } from "./oneroster.ts";
import { ouladAdapter } from "./oulad.ts";
import { parquetAdapter } from "./parquet.ts";
import { sdsAdapter } from "./sds.ts";

export const ADAPTERS = {
  canonical: canonicalAdapter,
  parquet: parquetAdapter,
  oulad: ouladAdapter,
  oea: oeaAdapter,
  sds: sdsAdapter,
  oneroster: oneRosterAdapter,
  edfi: edfiAdapter,
  moodle: moodleAdapter,
  graph: graphAdapter,
  combined: combinedAdapter,
  metrics: metricsAdapter,
} as const satisfies Record<string, Adapter>;

export type SourceName = keyof typeof ADAPTERS;

export function isSourceName(name: string): name is SourceName {
  return Object.hasOwn(ADAPTERS, name);
}

/** The adapters Reach ships, by the name used on the command line (`--source`). */
import type { Adapter } from "./adapter.ts";
import { canonicalAdapter } from "./canonical.ts";
import { oeaAdapter } from "./oea.ts";
import { ouladAdapter } from "./oulad.ts";

export const ADAPTERS = {
  canonical: canonicalAdapter,
  oulad: ouladAdapter,
  oea: oeaAdapter,
} as const satisfies Record<string, Adapter>;

export type SourceName = keyof typeof ADAPTERS;

export function isSourceName(name: string): name is SourceName {
  return Object.hasOwn(ADAPTERS, name);
}

/**
 * Table look-ups that a name written in a policy file cannot turn into a prototype
 * look-up: `constructor`, `__proto__`, `toString` and friends are just unknown names.
 */

/** `table[key]` when `key` is the table's own entry; undefined otherwise. */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

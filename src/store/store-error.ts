/**
 * The store's one error class. Expected outcomes (a stale version, a held lease, an entry
 * already sent) are result values; a `StoreError` means a caller broke the contract or a
 * stored record no longer reads back, and carries what a person needs to find it.
 */
export const STORE_ERROR_CODES = [
  /** The request itself is wrong: versions not contiguous, an id of another case… */
  "invalid_request",
  /** A stored record failed validation on read: it was changed outside Reach. */
  "corrupt_record",
  /** The database was migrated by a newer Reach than this one. */
  "schema_too_new",
] as const;
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

export class StoreError extends Error {
  override readonly name = "StoreError";

  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

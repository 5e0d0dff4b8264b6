/**
 * Why a command changed nothing. Refusals are values, not exceptions: an unauthorised
 * click or a stale card is an everyday event, and the caller turns the code into a
 * polite reply (and, for `stale_version`, shows the fresh case).
 */
export const REFUSAL_CODES = [
  "not_allowed_in_state",
  "not_authorised",
  "stale_version",
  "invalid_input",
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface Refusal {
  code: RefusalCode;
  /** A sentence for the person who acted. */
  message: string;
  /** The rule behind the refusal, for the audit trail and for support. */
  why?: string;
}

export function refusal(code: RefusalCode, message: string, why?: string): Refusal {
  return why === undefined ? { code, message } : { code, message, why };
}

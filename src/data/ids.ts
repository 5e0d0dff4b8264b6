/**
 * What an id may not contain, and how a rejected value is echoed back. Ids (student,
 * staff, section, school, assessment) are compared byte for byte, so an invisible
 * character in one makes a different id that looks the same: such a row is rejected.
 */

/**
 * C0 controls except tab, DEL, C1 controls, Unicode format characters (zero-width
 * spaces and joiners, bidirectional overrides such as U+202E, the BOM, soft hyphen…) and
 * the line and paragraph separators.
 */
const INVISIBLE = /(?!\t)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
/** Controls (C0 except tab, DEL, C1), shown as `\u` escapes (four hex digits) in messages. */
const CONTROL = /(?!\t)\p{Cc}/gu;

/** Why `value` (already trimmed) cannot be an id, or undefined when it can. */
export function idProblem(value: string, what: string): string | undefined {
  const m = INVISIBLE.exec(value);
  if (!m) return undefined;
  const code = (m[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, "0");
  return `${what} contains a control or invisible character (U+${code} at position ${m.index + 1}): "${echo(value)}"`;
}

/** Characters of a value shown in a message before it is cut short. */
export const ECHO_LIMIT = 200;

/**
 * A value as shown in a rejection: whole when short, otherwise its first `ECHO_LIMIT`
 * characters and its length, `abc… (5,242,880 characters)`. Control characters are
 * shown as `\u` escapes (four hex digits) so that a message stays on one line.
 */
export function echo(value: string): string {
  let shown = value;
  if (value.length > ECHO_LIMIT) {
    let cut = ECHO_LIMIT;
    const last = value.charCodeAt(cut - 1);
    if (last >= 0xd800 && last <= 0xdbff) cut--; // do not split a surrogate pair
    shown = `${value.slice(0, cut)}… (${thousands(value.length)} characters)`;
  }
  return shown.replace(
    CONTROL,
    (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`,
  );
}

function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

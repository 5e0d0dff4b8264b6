/**
 * Graph timestamps as the meeting attendance export writes them: ISO 8601 in UTC, but
 * with month, day, hour, minute and second not always zero-padded
 * (`2022-1-13T9:5:00.00Z`). A time without a zone is UTC.
 */
const STAMP =
  /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch milliseconds of `text`, or undefined when it is not such a timestamp or no real time. */
export function parseGraphTimestamp(text: string): number | undefined {
  const m = STAMP.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number) as number[];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    back.getUTCHours() !== h ||
    back.getUTCMinutes() !== mi ||
    s > 59
  ) {
    return undefined;
  }
  const fraction = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  const zone = m[8];
  let offset = 0;
  if (zone && zone !== "Z") {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone) as RegExpExecArray;
    offset = (z[1] === "-" ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  }
  return ms + fraction - offset;
}

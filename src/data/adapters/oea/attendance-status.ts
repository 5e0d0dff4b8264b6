/**
 * Contoso SIS attendance codes and status texts, and the canonical status of a row that
 * may give either or both.
 */
import { csvLine } from "../../csv.ts";
import type { FileTally } from "../../import-report.ts";
import type { AttendanceStatus } from "../../schema.ts";

/**
 * Maps a Contoso SIS attendance code and/or status text to a canonical status. Codes are
 * matched exactly (case-insensitive), status texts by wording; undefined when neither says.
 */
export function oeaAttendanceStatus(code: string, text: string): AttendanceStatus | undefined {
  return statusOfCode(code) ?? statusOfText(text);
}

const CODES: Record<string, AttendanceStatus> = {
  p: "present",
  a: "unexcused_absence",
  u: "unexcused_absence",
  ua: "unexcused_absence",
  e: "excused_absence",
  ae: "excused_absence",
  ea: "excused_absence",
  x: "excused_absence",
  t: "tardy",
  l: "tardy",
  ed: "early_departure",
};

function statusOfCode(code: string): AttendanceStatus | undefined {
  const c = code.trim().toLowerCase();
  return c === "" ? undefined : (CODES[c] ?? statusOfText(c));
}

function statusOfText(text: string): AttendanceStatus | undefined {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, " ");
  if (t === "") return undefined;
  if (t.includes("unexcused")) return "unexcused_absence";
  if (t.includes("excused")) return "excused_absence";
  if (t.includes("tardy") || t === "late" || t.startsWith("late ")) return "tardy";
  if (t.includes("early")) return "early_departure";
  if (t.includes("partial")) return "partial";
  if (t === "present" || t === "in attendance") return "present";
  if (t === "absent" || t === "absence") return "unexcused_absence";
  return undefined;
}

/**
 * The status of an attendance row from its AttendanceCode (`code`) and attendance_status
 * (`text`), either of which may be empty; undefined when the row is rejected (an unknown
 * code or text, the two disagreeing on presence, or neither given).
 */
export function rowAttendanceStatus(
  tally: FileTally,
  fields: string[],
  line: number,
  code: string,
  text: string,
): AttendanceStatus | undefined {
  const byCode = code.trim() === "" ? undefined : statusOfCode(code);
  const byText = text.trim() === "" ? undefined : statusOfText(text);
  if (code.trim() !== "" && byCode === undefined) {
    tally.reject(
      line,
      "invalid_value",
      `unknown AttendanceCode "${code}"`,
      "AttendanceCode",
      csvLine(fields),
    );
    return undefined;
  }
  if (text.trim() !== "" && byText === undefined && byCode === undefined) {
    tally.reject(
      line,
      "invalid_value",
      `unknown attendance_status "${text}"`,
      "attendance_status",
      csvLine(fields),
    );
    return undefined;
  }
  if (byCode !== undefined && byText !== undefined && isAbsence(byCode) !== isAbsence(byText)) {
    tally.reject(
      line,
      "conflict",
      `AttendanceCode "${code}" (${byCode}) contradicts attendance_status "${text}" (${byText})`,
      "AttendanceCode",
      csvLine(fields),
    );
    return undefined;
  }
  // The status text can refine the code (A + "Excused Absence" → excused_absence).
  const status = refine(byCode, byText);
  if (status === undefined) {
    tally.reject(
      line,
      "missing_field",
      "AttendanceCode and attendance_status are both empty",
      "AttendanceCode",
      csvLine(fields),
    );
    return undefined;
  }
  return status;
}

function isAbsence(status: AttendanceStatus): boolean {
  return status === "excused_absence" || status === "unexcused_absence";
}

function refine(
  byCode: AttendanceStatus | undefined,
  byText: AttendanceStatus | undefined,
): AttendanceStatus | undefined {
  if (byCode === undefined) return byText;
  if (byText === undefined) return byCode;
  // Same presence; the text may be the more specific (excused vs unexcused, tardy vs present).
  return byCode === "present" || byCode === "unexcused_absence" ? byText : byCode;
}

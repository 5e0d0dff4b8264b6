/**
 * Attendance statuses, in order of seriousness (the code of a status is its index). Kept
 * apart from schema.ts so that the import's hot path and its worker threads need not
 * load zod.
 */
export const ATTENDANCE_STATUSES = [
  "present",
  "tardy",
  "early_departure",
  "partial",
  "excused_absence",
  "unexcused_absence",
] as const;
export type AttendanceStatus = (typeof ATTENDANCE_STATUSES)[number];

export const STATUS_CODE: Readonly<Record<AttendanceStatus, number>> = Object.fromEntries(
  ATTENDANCE_STATUSES.map((s, i) => [s, i]),
) as Record<AttendanceStatus, number>;

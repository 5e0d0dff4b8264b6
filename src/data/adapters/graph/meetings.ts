import { join } from "node:path";
import { echo } from "../../ids.ts";
import type { ImportReport } from "../../import-report.ts";
import type { LocalDays } from "../moodle/settings.ts";
import { FolderTally, jsonFiles, lineOf, readJsonDocuments } from "./json-files.ts";
import { MEETING_ATTENDANCE_DIR, MEETING_MINUTES_KIND, ORGANIZER_ROLES } from "./names.ts";
import { parseGraphTimestamp } from "./timestamps.ts";
import { type GraphUsers, userKey } from "./users.ts";

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

const text = (v: unknown) => (typeof v === "string" ? v.trim() : "");

/**
 * Online meeting attendance reports (one `meetingAttendanceReport` per file, with its
 * `attendanceRecords`): each attendance interval is a row; its minutes (rounded up) count
 * as `meeting_minutes` on the day it was joined, in the tenant's time zone.
 */
export function readMeetings(
  dir: string,
  report: ImportReport,
  users: GraphUsers,
  days: LocalDays,
): FolderTally | undefined {
  const files = jsonFiles(dir, MEETING_ATTENDANCE_DIR);
  if (files === undefined) return undefined;
  const tally = new FolderTally(report, MEETING_ATTENDANCE_DIR, "activity");
  let organizers = 0;
  let nobody = 0;
  let zero = 0;
  let reports = 0;
  for (const file of files) {
    const docs = readJsonDocuments(
      join(dir, file),
      file,
      (line, message) => tally.failFile(file, line, message),
      (line, reason) => tally.reject(file, line, "invalid_value", reason),
    );
    for (const doc of docs) {
      const records = record(doc.value)?.attendanceRecords;
      if (!Array.isArray(records)) {
        tally.reject(
          file,
          doc.line,
          "missing_field",
          "an attendance report must have attendanceRecords (a list)",
          "attendanceRecords",
        );
        continue;
      }
      reports++;
      records.forEach((value, i) => {
        const path = ["attendanceRecords", i];
        const field = (name: string) => `attendanceRecords[${i}]${name ? `.${name}` : ""}`;
        const r = record(value);
        if (!r) {
          tally.reject(
            file,
            lineOf(doc, path),
            "invalid_value",
            "an attendance record must be an object",
            field(""),
          );
          return;
        }
        const identity = record(r.identity);
        const email = text(r.emailAddress);
        const aad = text(identity?.id);
        const key = userKey(email, aad);
        const intervals = Array.isArray(r.attendanceIntervals) ? r.attendanceIntervals : undefined;
        if (!intervals || intervals.length === 0) {
          tally.reject(
            file,
            lineOf(doc, path),
            "missing_field",
            "the record has no attendanceIntervals",
            field("attendanceIntervals"),
          );
          return;
        }
        const role = text(r.role).toLowerCase();
        intervals.forEach((iv, j) => {
          const ivPath = [...path, "attendanceIntervals", j];
          const ivField = (name: string) => field(`attendanceIntervals[${j}].${name}`);
          const interval = record(iv);
          const joinText = text(interval?.joinDateTime);
          const joined = parseGraphTimestamp(joinText);
          if (joined === undefined) {
            tally.reject(
              file,
              lineOf(doc, [...ivPath, "joinDateTime"]),
              joinText === "" ? "missing_field" : "invalid_value",
              joinText === ""
                ? "joinDateTime is empty"
                : `joinDateTime must be a date and time, got "${echo(joinText)}"`,
              ivField("joinDateTime"),
            );
            return;
          }
          let seconds = interval?.durationInSeconds;
          if (seconds === undefined || seconds === null) {
            const left = parseGraphTimestamp(text(interval?.leaveDateTime));
            seconds = left === undefined ? undefined : Math.round((left - joined) / 1000);
          }
          if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
            tally.reject(
              file,
              lineOf(doc, [...ivPath, "durationInSeconds"]),
              "invalid_value",
              `durationInSeconds must be a number ≥ 0 (or leaveDateTime given), got ${echo(JSON.stringify(seconds) ?? "nothing")}`,
              ivField("durationInSeconds"),
            );
            return;
          }
          tally.accept();
          if (key === undefined) {
            nobody++;
            return;
          }
          if ((ORGANIZER_ROLES as readonly string[]).includes(role)) {
            organizers++;
            return;
          }
          users.see(key, email, aad, text(identity?.displayName));
          const minutes = Math.ceil(seconds / 60);
          if (minutes === 0) zero++;
          users.add(key, days.dayOf(joined), MEETING_MINUTES_KIND, minutes);
        });
      });
    }
  }
  tally.note(`${reports} attendance report(s); each attendance interval is a row`);
  if (organizers > 0) {
    tally.note(
      `${organizers} interval(s) of the meetings' organisers (role Organizer/Coorganizer): accepted, not a student's attendance`,
    );
  }
  if (nobody > 0) {
    tally.note(
      `${nobody} interval(s) of attendees with neither an address nor an identity id (anonymous or dial-in): accepted, no student to give them to`,
    );
  }
  if (zero > 0) tally.note(`${zero} interval(s) of 0 seconds: accepted, no activity`);
  return tally;
}

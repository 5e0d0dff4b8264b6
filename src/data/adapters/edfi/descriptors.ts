/**
 * AttendanceEventCategoryDescriptor → Reach's attendance statuses. An event names its
 * category by namespace and code value (`uri://ed-fi.org/AttendanceEventCategoryDescriptor#Tardy`);
 * the descriptor file says which categories exist, and the code value says which Reach
 * status each is. AbsenceEventCategoryDescriptor holds staff leave categories (sick leave,
 * jury duty): read so that an event naming one is rejected with that reason.
 */
import { echo } from "../../ids.ts";
import type { FileTally } from "../../import-report.ts";
import type { AttendanceStatus } from "../../schema.ts";
import type { EdfiSource } from "./context.ts";
import { EDFI_ATTENDANCE_NAMESPACE, FILES } from "./names.ts";
import { field, placeOf, readXmlRecords, recordText, type XmlElement } from "./xml-records.ts";

/** Ed-Fi's standard attendance event categories, by code value (lower case), and Reach's status. */
const STATUS_OF_CODE: Readonly<Record<string, AttendanceStatus>> = {
  "in attendance": "present",
  present: "present",
  tardy: "tardy",
  "early departure": "early_departure",
  partial: "partial",
  "excused absence": "excused_absence",
  "unexcused absence": "unexcused_absence",
};

/** Reach's status for an attendance event category's code value, or undefined. */
export function edfiAttendanceStatus(code: string): AttendanceStatus | undefined {
  return STATUS_OF_CODE[normalise(code)];
}

/**
 * How a descriptor reference is compared: `namespace#code`, case and runs of white space
 * ignored (the Ed-Fi API compares descriptors without regard to case).
 */
export function descriptorKeyOf(reference: string): string {
  return normalise(reference);
}

function normalise(text: string): string {
  return text.trim().replace(/\s+/g, " ").toLowerCase();
}

export interface Descriptors {
  /** `namespace#code` → Reach's status, or null for a category Reach has no status for. */
  attendance: Map<string, AttendanceStatus | null>;
  /** `namespace#code` of the staff leave (absence event) categories. */
  absence: Set<string>;
}

/** Reads both descriptor files; without the attendance one, Ed-Fi's standard categories apply. */
export async function readDescriptors(source: EdfiSource): Promise<Descriptors> {
  const attendance = new Map<string, AttendanceStatus | null>();
  const mapped: string[] = [];
  const unmapped: string[] = [];
  const tally = await readXmlRecords(
    source,
    FILES.attendanceDescriptors,
    new Set(["AttendanceEventCategoryDescriptor"]),
    (record, tally) => {
      const key = descriptorKey(record, tally);
      if (key === undefined) return;
      if (attendance.has(key)) {
        tally.reject(
          record.line,
          "duplicate",
          `${placeOf(record)}: descriptor "${echo(key)}" is defined twice (the first is kept)`,
          "CodeValue",
          recordText(record),
        );
        return;
      }
      const code = field(record, "CodeValue") as string;
      const status = edfiAttendanceStatus(code) ?? null;
      if (status === null) unmapped.push(`${field(record, "Namespace")}#${code}`);
      else mapped.push(`${code} → ${status}`);
      attendance.set(key, status);
      tally.accept();
    },
  );
  if (!tally) {
    for (const [code, status] of Object.entries(STATUS_OF_CODE)) {
      attendance.set(descriptorKeyOf(`${EDFI_ATTENDANCE_NAMESPACE}#${code}`), status);
    }
    source.report
      .file(FILES.attendanceDescriptors.file, FILES.attendanceDescriptors.entity)
      .note(
        `${FILES.attendanceDescriptors.file} is absent: Ed-Fi's standard categories (${EDFI_ATTENDANCE_NAMESPACE}) are assumed`,
      );
  } else {
    tally.note(`categories mapped to Reach statuses: ${mapped.join(", ")}`);
    if (unmapped.length > 0) {
      tally.note(
        `categories with no Reach status (events naming them are rejected): ${unmapped.join(", ")}`,
      );
    }
  }

  const absence = new Set<string>();
  const absenceTally = await readXmlRecords(
    source,
    FILES.absenceDescriptors,
    new Set(["AbsenceEventCategoryDescriptor"]),
    (record, tally) => {
      const key = descriptorKey(record, tally);
      if (key === undefined) return;
      absence.add(key);
      tally.accept();
    },
  );
  absenceTally?.note(
    "staff leave categories (Ed-Fi's StaffLeave): no student attendance event may name one",
  );
  return { attendance, absence };
}

/** `Namespace#CodeValue` of a descriptor record, or undefined (rejected) when one is missing. */
function descriptorKey(record: XmlElement, tally: FileTally): string | undefined {
  for (const name of ["CodeValue", "Namespace"]) {
    if ((field(record, name) ?? "") === "") {
      tally.reject(
        record.line,
        "missing_field",
        `${placeOf(record)}: no ${name}`,
        name,
        recordText(record),
      );
      return undefined;
    }
  }
  return descriptorKeyOf(`${field(record, "Namespace")}#${field(record, "CodeValue")}`);
}

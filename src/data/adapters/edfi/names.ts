/** The interchange files an Ed-Fi folder holds, and the names their records take in Reach. */
import type { XmlFileSpec } from "./xml-records.ts";

export const FILES = {
  students: {
    file: "Student.xml",
    entity: "student",
    root: "InterchangeStudent",
    needed: "the student roster is required",
  },
  attendance: {
    file: "StudentSchoolAttendance.xml",
    entity: "attendance",
    root: "InterchangeStudentAttendance",
    needed: "the attendance events are required",
  },
  calendar: {
    file: "EducationOrgCalendar.xml",
    entity: "calendar",
    root: "InterchangeEducationOrgCalendar",
    needed:
      "the school calendar is required: the events record absences and tardies only, so present days come from its instructional days",
  },
  schools: {
    file: "EducationOrganization.xml",
    entity: "school",
    root: "InterchangeEducationOrganization",
  },
  enrolments: {
    file: "StudentEnrollment.xml",
    entity: "enrolment",
    root: "InterchangeStudentEnrollment",
  },
  attendanceDescriptors: {
    file: "AttendanceEventCategoryDescriptor.xml",
    entity: "attendance category",
    root: "InterchangeDescriptors",
  },
  absenceDescriptors: {
    file: "AbsenceEventCategoryDescriptor.xml",
    entity: "absence category",
    root: "InterchangeDescriptors",
  },
} as const satisfies Record<string, XmlFileSpec>;

/** School id given to a student whom neither an enrolment nor an attendance event places. */
export const UNKNOWN_SCHOOL = "unknown";

/** The Ed-Fi namespace of the standard attendance event categories. */
export const EDFI_ATTENDANCE_NAMESPACE = "uri://ed-fi.org/AttendanceEventCategoryDescriptor";

/**
 * Student.xml elements kept as demographics (monitoring only, never on the student
 * record), by path below `<Student>`, and the monitoring field each becomes. Ed-Fi 3 and
 * later keep sex under BirthData; Ed-Fi 2 kept sex, ethnicity and race on the Student.
 */
export const DEMOGRAPHIC_PATHS: readonly (readonly [path: string, field: string])[] = [
  ["BirthData/BirthSex", "sex"],
  ["Sex", "sex"],
  ["HispanicLatinoEthnicity", "ethnicity"],
  ["Race", "race"],
  ["Races/Race", "race"],
  ["Citizenship/CitizenshipStatus", "citizenship_status"],
  ["CitizenshipStatus", "citizenship_status"],
];

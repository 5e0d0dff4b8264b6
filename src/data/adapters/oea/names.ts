/** The files an OEA folder holds and the names its records take in Reach. */

export const ROSTER_DIR = "insights-roster";
export const ATTENDANCE_FILE = "studentattendance.csv";
export const CLEVER_FILE = "clever-daily-participation.csv";
export const SECTION_MARK_FILE = "studentsectionmark.csv";
export const CLEVER_SOURCE = "clever";
export const CLEVER_KIND = "login";
/** School id given to a student whom neither the roster nor a data file places in a school. */
export const UNKNOWN_SCHOOL = "unknown";

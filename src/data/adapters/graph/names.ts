/** Folder names, kinds and settings of the Graph adapter. */
export const TEAMS_ACTIVITY_DIR = "Teams_Activity_User_Detail";
export const MEETING_ATTENDANCE_DIR = "Meeting_Attendance_Report";
export const SETTINGS_FILE = "graph.json";
/** The activity source of every Graph event. */
export const TEAMS_SOURCE = "teams";
/** A day on which the Teams user activity report says the user was last active: count 1. */
export const ACTIVE_KIND = "active";
/** Minutes in online meetings (attendance intervals, rounded up), on the day of joining. */
export const MEETING_MINUTES_KIND = "meeting_minutes";
/** The Teams user activity counts Reach keeps, and the kind each becomes. */
export const TEAMS_COUNTS = {
  teamChatMessageCount: "team_chat_message",
  privateChatMessageCount: "private_chat_message",
  callCount: "call",
  meetingsAttendedCount: "meeting_attended",
} as const;
/** Attendance-record roles that own the meeting (its teacher, usually): not a student's attendance. */
export const ORGANIZER_ROLES = ["organizer", "coorganizer"] as const;

/**
 * Who may do what on a case, and why (a person decides; every access has its reason on
 * record). Decided from the staff roster, the student (their advisers and school) and the
 * policy's `access` setting:
 *
 * - an adviser (or support officer) works on their advisees; with `access: school`, on
 *   every student of their own school;
 * - an engagement lead works on every case of the policy's schools, and is the only
 *   person who decides escalations;
 * - an administrator of the student's school may read a case and erase it, not work on it;
 * - Reach's engine opens cases, adds signals, records deliveries and replies, and may
 *   propose messages and escalations, close, read and erase (on an operator's request);
 *   it never confirms, dismisses, approves a message or decides anything a person must;
 * - anyone else, nothing.
 *
 * Every answer carries its reason, granted or refused, for the audit trail and the reply.
 */
import type { Staff, Student } from "../data/schema.ts";
import type { Policy } from "../rules/index.ts";
import type { CaseCommandType } from "./case-commands.ts";
import { ENGINE_ACTOR, STUDENT_ACTOR } from "./case-vocabulary.ts";

export type Roster = ReadonlyMap<string, Staff>;
export type StudentRef = Pick<Student, "id" | "school" | "adviserIds">;
export type CasePolicy = Pick<Policy, "id" | "schools" | "access">;

/** What access is decided on. `student` is absent when the student is no longer in the data. */
export interface CaseSubject {
  student: StudentRef | undefined;
  /** The student's school (the case's recorded school when the student is gone). */
  school: string;
  policy: CasePolicy;
}

export type CaseAction = CaseCommandType | "read";
export type AccessRole =
  | "engine"
  | "student"
  | "adviser"
  | "support_officer"
  | "engagement_lead"
  | "admin";

export type Authorisation =
  | { allowed: true; as: AccessRole; why: string }
  | { allowed: false; why: string };

export function rosterOf(staff: readonly Staff[]): Roster {
  return new Map(staff.map((s) => [s.id, s]));
}

const ENGINE_ACTIONS: ReadonlySet<CaseAction> = new Set<CaseAction>([
  "open",
  "add_signal",
  "record_outreach_sent",
  "record_outreach_failed",
  "propose_outreach",
  "propose_escalation",
  "close",
  "erase",
  "read",
]);

/** Facts only Reach itself can vouch for: a person recording them would be guessing. */
const ENGINE_ONLY: Partial<Record<CaseAction, string>> = {
  open: "cases are opened by Reach's engine from a finding; a person confirms or dismisses them",
  add_signal: "signals are added by Reach's engine from findings",
  record_outreach_sent: "Reach records a message as sent when it delivers it",
  record_outreach_failed: "Reach records a message as undelivered when Teams refuses it",
  record_student_reply: "only the student answers a message sent to them",
  opt_out: "only the student asks Reach to stop messaging them",
};

/**
 * `actingStudentId`: for the student actor, the student who clicked, as Teams vouches for
 * them (their Entra object id, looked up in the data); a student acts on their own case only.
 */
export function authorise(
  actor: string,
  action: CaseAction,
  subject: CaseSubject,
  roster: Roster,
  actingStudentId?: string,
): Authorisation {
  if (actor === ENGINE_ACTOR) {
    return ENGINE_ACTIONS.has(action)
      ? grant("engine", `Reach's engine, acting for policy ${subject.policy.id}`)
      : deny(`Reach's engine may not ${action}: a person must decide that`);
  }
  if (actor === STUDENT_ACTOR) return studentAccess(actingStudentId, action, subject);
  const engineOnly = ENGINE_ONLY[action];
  if (engineOnly !== undefined) return deny(engineOnly);
  const staff = roster.get(actor);
  if (staff === undefined) return deny(`${actor} is not on the staff roster`);
  switch (action) {
    case "decide_escalation": {
      const lead = leadAccess(staff, subject);
      if (lead?.allowed) return lead;
      const only = `only an engagement lead of policy ${subject.policy.id}'s schools decides escalations`;
      return deny(lead ? `${only}; ${lead.why}` : only);
    }
    case "erase": {
      const admin = adminAccess(staff, subject);
      if (admin?.allowed) return admin;
      const only = "only an administrator of the student's school erases a case";
      return deny(admin ? `${only}; ${admin.why}` : only);
    }
    case "read":
      return firstGrant(staff, [
        adviserAccess(staff, subject),
        leadAccess(staff, subject),
        adminAccess(staff, subject),
      ]);
    default:
      return mayWorkOn(staff.id, subject, roster);
  }
}

/** What a student may do: answer their own messages and opt out, on their own case only. */
const STUDENT_ACTIONS: ReadonlySet<CaseAction> = new Set<CaseAction>([
  "record_student_reply",
  "opt_out",
]);

function studentAccess(
  studentId: string | undefined,
  action: CaseAction,
  subject: CaseSubject,
): Authorisation {
  if (!STUDENT_ACTIONS.has(action)) return deny(`a student may not ${action}`);
  if (
    studentId === undefined ||
    subject.student === undefined ||
    subject.student.id !== studentId
  ) {
    return deny("a student may act only on messages sent to them");
  }
  return grant("student", "the student this case is about, answering a message sent to them");
}

/** May this member of staff work on (be assigned to, act on) the case? */
export function mayWorkOn(staffId: string, subject: CaseSubject, roster: Roster): Authorisation {
  const staff = roster.get(staffId);
  if (staff === undefined) return deny(`${staffId} is not on the staff roster`);
  return firstGrant(staff, [adviserAccess(staff, subject), leadAccess(staff, subject)]);
}

/** The first grant; else every role's refusal, so the reply says all that was checked. */
function firstGrant(staff: Staff, answers: (Authorisation | undefined)[]): Authorisation {
  const applicable = answers.filter((a): a is Authorisation => a !== undefined);
  const granted = applicable.find((a) => a.allowed);
  if (granted) return granted;
  if (applicable.length === 0) {
    const roles = staff.roles.length > 0 ? staff.roles.join(", ") : "none";
    return deny(`${staff.id} has no role that works on cases (roles: ${roles})`);
  }
  return deny(applicable.map((a) => a.why).join("; "));
}

/** Advisers and support officers: undefined when the staff member is neither. */
function adviserAccess(staff: Staff, subject: CaseSubject): Authorisation | undefined {
  const role = staff.roles.includes("adviser")
    ? "adviser"
    : staff.roles.includes("support_officer")
      ? "support_officer"
      : undefined;
  if (role === undefined) return undefined;
  const noun = role === "adviser" ? "adviser" : "support officer";
  const a = role === "adviser" ? "an" : "a";
  const { student, policy, school } = subject;
  if (student?.adviserIds.includes(staff.id)) return grant(role, `${noun} of this student`);
  const wholeSchool = policy.access === "school";
  if (wholeSchool && staff.school === school) {
    return grant(
      role,
      `${a} ${noun} in this student's school ${school} (policy ${policy.id} gives advisers the whole school)`,
    );
  }
  if (student === undefined && !wholeSchool) {
    return deny("the student is no longer in the data, so their advisers cannot be checked");
  }
  return deny(
    wholeSchool
      ? `not ${a} ${noun} of this student or their school`
      : `not ${a} ${noun} of this student`,
  );
}

function leadAccess(staff: Staff, subject: CaseSubject): Authorisation | undefined {
  if (!staff.roles.includes("engagement_lead")) return undefined;
  const { schools, id } = subject.policy;
  const covered =
    schools.includes(staff.school) || (schools.includes("*") && staff.school === subject.school);
  return covered
    ? grant("engagement_lead", `engagement lead of ${staff.school}, a school of policy ${id}`)
    : deny(`engagement lead of ${staff.school}, which policy ${id} does not cover`);
}

function adminAccess(staff: Staff, subject: CaseSubject): Authorisation | undefined {
  if (!staff.roles.includes("admin")) return undefined;
  return staff.school === subject.school
    ? grant("admin", `administrator of ${subject.school}`)
    : deny(`administrator of ${staff.school}, not of this student's school ${subject.school}`);
}

function grant(as: AccessRole, why: string): Authorisation {
  return { allowed: true, as, why };
}

function deny(why: string): Authorisation {
  return { allowed: false, why };
}

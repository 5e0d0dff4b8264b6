/**
 * Which of the roster's users who are not students are staff, and where they work.
 *
 * A user whose AadUser `Role` is not `student` is staff unless every role the roster gives
 * the person (PersonOrganizationRole → RefDefinition code, else the AadUser `Role`) is a
 * family or former-student role. Staff are loaded with **no Reach role**: none of the
 * roster's role names (Teacher, Administrator, advisor, …) says who advises which students
 * or leads engagement, so the roles come from staff.csv (docs/adapters/oea.md).
 */

import type { PersonRole } from "./context.ts";
import { UNKNOWN_SCHOOL } from "./names.ts";

/** RefRole codes (and AadUser roles), lower-cased, of users who are not staff. */
const NOT_STAFF: ReadonlyMap<string, string> = new Map([
  ["guardian", "family"],
  ["parent", "family"],
  ["relative", "family"],
  ["alumni", "alumni"],
]);

export type UserKind =
  | { kind: "staff"; school: string; role: string }
  | { kind: "not_staff"; why: string };

/**
 * What a non-student user is: staff (at the organisation of their primary staff role, else
 * of their first; `unknown` when the roster places them nowhere) or not staff, and why.
 * `role` is the OEA role the report counts them under.
 */
export function kindOfUser(userRole: string, personRoles: readonly PersonRole[]): UserKind {
  const staffRoles = personRoles.filter((r) => !NOT_STAFF.has(r.role.toLowerCase()));
  if (staffRoles.length === 0) {
    const first = personRoles[0]?.role.toLowerCase();
    const why = NOT_STAFF.get(first ?? userRole.toLowerCase());
    if (why !== undefined) return { kind: "not_staff", why };
  }
  const chosen = staffRoles.find((r) => r.primary) ?? staffRoles[0];
  return {
    kind: "staff",
    school: chosen?.organization ?? UNKNOWN_SCHOOL,
    role: chosen?.role || userRole || "no role",
  };
}

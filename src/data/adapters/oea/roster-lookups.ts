/**
 * The roster files that only fill lookups for the others: school names, definition codes,
 * and which person an AAD user is and where they study.
 */
import { requiredText } from "../row-fields.ts";
import type { Context, Roster } from "./context.ts";
import { readRoster } from "./roster-file.ts";
import { rejectRepeat } from "./row-checks.ts";

type Entities = Map<string, string[]>;

export async function readOrganizations(
  ctx: Context,
  entities: Entities,
  roster: Roster,
): Promise<void> {
  await readRoster(ctx, entities, "Organization", ["Id", "Name"] as const, (f, line, c, tally) => {
    const id = requiredText(tally, f, line, c.Id, "Id");
    if (id === undefined) return;
    if (roster.organizations.has(id)) {
      return rejectRepeat(tally, f, line, `organization ${id} is listed twice`, "Id");
    }
    roster.organizations.set(id, (f[c.Name] as string).trim() || id);
    tally.accept();
  });
}

export async function readRefDefinitions(
  ctx: Context,
  entities: Entities,
  roster: Roster,
): Promise<void> {
  await readRoster(ctx, entities, "RefDefinition", ["Id", "Code"] as const, (f, line, c, tally) => {
    const id = requiredText(tally, f, line, c.Id, "Id");
    if (id === undefined) return;
    roster.refCodes.set(id.toLowerCase(), (f[c.Code] as string).trim());
    tally.accept();
  });
}

/** The Code of a RefDefinition id, or the text itself when it is not an id (`Student`). */
export function refCode(roster: Roster, value: string): string {
  const v = value.trim();
  return roster.refCodes.get(v.toLowerCase()) ?? v;
}

export async function readUserPersonMapping(
  ctx: Context,
  entities: Entities,
  roster: Roster,
): Promise<void> {
  const needed = ["ObjectId", "PersonId"] as const;
  await readRoster(ctx, entities, "AadUserPersonMapping", needed, (f, line, c, tally) => {
    const user = requiredText(tally, f, line, c.ObjectId, "ObjectId");
    if (user === undefined) return;
    const person = requiredText(tally, f, line, c.PersonId, "PersonId");
    if (person === undefined) return;
    if (roster.personOfUser.has(user)) {
      return rejectRepeat(tally, f, line, `ObjectId ${user} is mapped twice`, "ObjectId");
    }
    roster.personOfUser.set(user, person);
    roster.userOfPerson.set(person, user);
    tally.accept();
  });
}

/**
 * A student's school is their primary student role's organisation. Other roles (Teacher,
 * Guardian, …) are kept per person: they decide which other users are staff, and where.
 */
export async function readPersonRoles(
  ctx: Context,
  entities: Entities,
  roster: Roster,
): Promise<void> {
  const needed = [
    "PersonId",
    "OrganizationId",
    "RefRoleId",
    "IsPrimary",
    "RefGradeLevelId",
  ] as const;
  await readRoster(ctx, entities, "PersonOrganizationRole", needed, (f, line, c, tally) => {
    const person = requiredText(tally, f, line, c.PersonId, "PersonId");
    if (person === undefined) return;
    const organization = requiredText(tally, f, line, c.OrganizationId, "OrganizationId");
    if (organization === undefined) return;
    const role = refCode(roster, f[c.RefRoleId] as string);
    const primary = (f[c.IsPrimary] as string).trim().toLowerCase() === "true";
    const previous = roster.roleOfPerson.get(person);
    if (
      role.toLowerCase() === "student" &&
      (previous === undefined || (primary && !previous.primary))
    ) {
      const grade = refCode(roster, f[c.RefGradeLevelId] as string);
      roster.roleOfPerson.set(person, { organization, grade, primary });
    } else if (role.toLowerCase() !== "student") {
      const roles = roster.otherRolesOfPerson.get(person);
      const entry = { organization, role, primary };
      if (roles === undefined) roster.otherRolesOfPerson.set(person, [entry]);
      else roles.push(entry);
    }
    tally.accept();
  });
}

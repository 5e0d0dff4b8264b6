/**
 * Branded ids: a case id, a policy id, a student id and a staff id are all strings, and
 * passing one where another belongs (a student id where a case id was meant, an Entra id
 * where a staff id was meant) is the kind of mix-up that leaks or loses data. The use
 * cases in `src/app` take these types, and a front end gets one only by parsing what
 * arrived: at most 200 characters, no control or invisible formatting characters, no
 * leading or trailing space.
 */
declare const BRAND: unique symbol;
type Branded<Kind extends string> = string & { readonly [BRAND]: Kind };

export type CaseId = Branded<"CaseId">;
export type PolicyId = Branded<"PolicyId">;
export type StudentId = Branded<"StudentId">;
export type StaffId = Branded<"StaffId">;

export const MAX_ID_LENGTH = 200;
const ID = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u;

function parseId<T extends string>(text: unknown): T | undefined {
  if (typeof text !== "string" || text.length === 0 || text.length > MAX_ID_LENGTH) {
    return undefined;
  }
  return ID.test(text) && text.trim() === text ? (text as T) : undefined;
}

export const parseCaseId = (text: unknown): CaseId | undefined => parseId<CaseId>(text);
export const parsePolicyId = (text: unknown): PolicyId | undefined => parseId<PolicyId>(text);
export const parseStudentId = (text: unknown): StudentId | undefined => parseId<StudentId>(text);
export const parseStaffId = (text: unknown): StaffId | undefined => parseId<StaffId>(text);

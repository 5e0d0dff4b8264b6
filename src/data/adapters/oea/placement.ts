import type { Student } from "../../schema.ts";

/**
 * Places a student whom the roster left without a school in `school`, the school a data
 * row names: the first row that names one decides. True when it placed the student.
 */
export function placeStudent(unplaced: Set<Student>, student: Student, school: string): boolean {
  if (!unplaced.has(student) || school === "") return false;
  student.school = school;
  unplaced.delete(student);
  return true;
}

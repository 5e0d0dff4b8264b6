/**
 * PRODUCT §2 principle 4: special-category data is never a trigger. A rule that names
 * such a field — as a metric, a key, a grouping, a source or kind, or a `field:` test —
 * is refused at load with the principle, not with a generic "unknown" error, so the
 * engagement lead learns why rather than hunting for the right spelling.
 *
 * Names are compared after normalisation (case, camelCase, dashes and spaces, plurals)
 * and against common synonyms and abbreviations (SEN, EHCP, IEP, FSM…).
 */
import { SPECIAL_CATEGORY_FIELDS } from "../data/schema.ts";

export type SpecialCategoryField = (typeof SPECIAL_CATEGORY_FIELDS)[number];

/** Abbreviations and short words that are special-category only as the whole name. */
const WHOLE_NAME: Readonly<Record<string, SpecialCategoryField>> = {
  sen: "special_educational_needs",
  send: "special_educational_needs",
  sen_status: "special_educational_needs",
  senco: "special_educational_needs",
  ehcp: "special_educational_needs",
  ehc_plan: "special_educational_needs",
  iep: "special_educational_needs",
  "504": "disability",
  plan_504: "disability",
  section_504: "disability",
  fsm: "free_school_meals",
  frl: "free_school_meals",
  free_lunch: "free_school_meals",
  free_reduced_lunch: "free_school_meals",
  free_or_reduced_lunch: "free_school_meals",
  pupil_premium: "free_school_meals",
  trans: "gender_identity",
  lgbt: "sexuality",
  lgbtq: "sexuality",
  lgbtqia: "sexuality",
  orientation: "sexuality",
  faith: "religion",
  dna: "genetic",
  bme: "ethnicity",
  bame: "ethnicity",
};

/** Words that make any name containing them special-category (`mental_health`, `disability_status`). */
const PART: Readonly<Record<string, SpecialCategoryField>> = {
  ethnicity: "ethnicity",
  ethnic: "ethnicity",
  race: "race",
  racial: "race",
  disability: "disability",
  disabled: "disability",
  religion: "religion",
  religious: "religion",
  belief: "belief",
  health: "health",
  medical: "medical",
  medication: "medical",
  diagnosis: "medical",
  illness: "health",
  sexuality: "sexuality",
  sexual: "sexuality",
  transgender: "gender_identity",
  pregnancy: "pregnancy",
  pregnant: "pregnancy",
  maternity: "pregnancy",
  political: "political_opinion",
  genetic: "genetic",
  genetics: "genetic",
  biometric: "biometric",
  immigration: "immigration_status",
};

/** Splits `genderIdentity`, `Gender-Identity`, `gender identity` alike into `gender_identity`. */
export function normaliseName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

function singular(word: string): string {
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && /(ss|x|ch|sh|us)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith("s") && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

/** The special-category field that `name` refers to, or undefined. */
export function specialCategoryField(name: string): SpecialCategoryField | undefined {
  const norm = normaliseName(name);
  if (norm === "") return undefined;
  const parts = norm.split("_");
  const singularParts = parts.map(singular);
  const singularNorm = singularParts.join("_");
  for (const candidate of [norm, singularNorm]) {
    const whole = WHOLE_NAME[candidate];
    if (whole !== undefined) return whole;
  }
  const bounded = `_${norm}_`;
  const boundedSingular = `_${singularNorm}_`;
  const squashed = norm.replaceAll("_", "");
  for (const field of SPECIAL_CATEGORY_FIELDS) {
    if (bounded.includes(`_${field}_`) || boundedSingular.includes(`_${field}_`)) return field;
    // `genderidentity`, `freeschoolmeals`: long enough not to hide inside an ordinary word.
    const fieldSquashed = field.replaceAll("_", "");
    if (field.includes("_") && squashed.includes(fieldSquashed)) return field;
  }
  for (const part of [...parts, ...singularParts]) {
    const field = PART[part];
    if (field !== undefined) return field;
  }
  return undefined;
}

const PRINCIPLE =
  "special-category data (ethnicity, race, disability, religion, health, sexuality, gender identity…) " +
  "may be loaded only for aggregate equality monitoring and never triggers a case";

/** The refusal: names the field and states the principle. `owner` is `rule "x"` or `policy`. */
export function specialCategoryMessage(
  owner: string,
  written: string,
  field: SpecialCategoryField,
): string {
  const label = field.replaceAll("_", " ");
  const same = normaliseName(written) === field;
  return `${owner} uses "${written}", a special-category field${same ? "" : ` (${label})`}: ${PRINCIPLE}`;
}

export const SPECIAL_CATEGORY_HINT =
  'remove it from the rule; see "Special-category data" in rules/README.md';

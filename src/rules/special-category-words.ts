/**
 * The words that make a name special-category (UK GDPR art. 9 and the school records that
 * stand in for it), split by how safely each can be matched: a short code such as `sen`
 * hides inside ordinary words (`presence`, `sense`), a long one such as `disability` does
 * not. All are in the normalised form: lower-case ASCII letters and digits.
 *
 * Socio-economic flags (free school meals, FSM, FRL, pupil premium, disadvantaged) are
 * deliberately absent: they are not special-category data, and schools target support
 * with them.
 */
import type { SPECIAL_CATEGORY_FIELDS } from "../data/schema.ts";

export type SpecialCategoryField = (typeof SPECIAL_CATEGORY_FIELDS)[number];

type Words = Readonly<Record<string, SpecialCategoryField>>;

const SEN = "special_educational_needs";

/**
 * Distinctive enough to be found anywhere in the name with its separators removed, so
 * `d.i.s.a.b.i.l.i.t.y` and `studentdisabilitycode` are caught. Checked in this order.
 */
export const ANYWHERE: Words = {
  genderidentity: "gender_identity",
  sexualorientation: "sexual_orientation",
  transstatus: "trans_status",
  immigrationstatus: "immigration_status",
  specialeducationalneed: SEN,
  specialneed: SEN,
  learningdifficult: SEN,
  additionalneed: SEN,
  ehcp: SEN,
  disabilit: "disability",
  handicap: "disability",
  impairment: "disability",
  wheelchair: "disability",
  ethnic: "ethnicity",
  racial: "race",
  religio: "religion",
  belief: "belief",
  health: "health",
  sickness: "health",
  allerg: "health",
  asthma: "health",
  diabet: "health",
  epilep: "health",
  autism: "health",
  autistic: "health",
  dyslexi: "special_educational_needs",
  dyspraxi: "special_educational_needs",
  medical: "medical",
  medication: "medical",
  medicine: "medical",
  diagnosis: "medical",
  diagnoses: "medical",
  diagnosed: "medical",
  prescription: "medical",
  sexualit: "sexuality",
  sexual: "sexuality",
  sexlife: "sexuality",
  lgbt: "sexuality",
  bisexual: "sexuality",
  homosexual: "sexuality",
  transgender: "gender_identity",
  transsexual: "gender_identity",
  nonbinary: "gender_identity",
  genderreassign: "gender_identity",
  pregnan: "pregnancy",
  maternity: "pregnancy",
  politic: "political_opinion",
  tradeunion: "trade_union",
  unionmember: "trade_union",
  genetic: "genetic",
  genome: "genetic",
  biometric: "biometric",
  fingerprint: "biometric",
  facialrecognition: "biometric",
  faceprint: "biometric",
  immigration: "immigration_status",
};

/**
 * Short or common words, matched only as a whole word of the split name (`sen_support`,
 * `IEPFlag`, `plan504`) or as the whole name once affixes are set aside (`hasehcp`).
 */
export const WHOLE_WORD: Words = {
  sen: SEN,
  senco: SEN,
  sendco: SEN,
  ehc: SEN,
  iep: SEN,
  "504": "disability",
  disabled: "disability",
  adhd: "health",
  asd: "health",
  camhs: "health",
  illness: "health",
  sick: "health",
  medic: "medical",
  race: "race",
  bame: "ethnicity",
  bme: "ethnicity",
  faith: "religion",
  muslim: "religion",
  islam: "religion",
  christian: "religion",
  jewish: "religion",
  hindu: "religion",
  sikh: "religion",
  buddhist: "religion",
  atheist: "religion",
  gay: "sexuality",
  lesbian: "sexuality",
  queer: "sexuality",
  dna: "genetic",
  pregnant: "pregnancy",
};

/**
 * Ordinary English words too (`send_message`, `transfer`, `orientation_week`), so they
 * count only when, affixes aside, they are the whole name: `SEND`, `has_send`, `trans_status`.
 */
export const ONLY_WHOLE: Words = {
  send: SEN,
  trans: "trans_status",
  orientation: "sexual_orientation",
};

/**
 * Words that describe a flag rather than what it records (`has_ehcp`, `IEPFlag`,
 * `SENDstatus`, `sen_support`, `plan504`), so they must not hide a match.
 */
export const AFFIXES: readonly string[] = [
  "has",
  "is",
  "flag",
  "flagged",
  "status",
  "code",
  "type",
  "indicator",
  "ind",
  "level",
  "lvl",
  "yn",
  "y",
  "n",
  "plan",
  "support",
  "provision",
  "register",
  "category",
  "need",
  "needs",
  "student",
  "pupil",
];

/** Look-alike letters from other scripts, mapped to the Latin letter they pass for. */
export const CONFUSABLES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: "a",
  в: "b",
  г: "r",
  е: "e",
  к: "k",
  м: "m",
  н: "h",
  о: "o",
  п: "n",
  р: "p",
  с: "c",
  т: "t",
  у: "y",
  х: "x",
  ш: "w",
  ь: "b",
  і: "i",
  ј: "j",
  ѕ: "s",
  ԁ: "d",
  ԛ: "q",
  ԝ: "w",
  һ: "h",
  ӏ: "l",
  ү: "y",
  А: "A",
  В: "B",
  Е: "E",
  К: "K",
  М: "M",
  Н: "H",
  О: "O",
  Р: "P",
  С: "C",
  Т: "T",
  У: "Y",
  Х: "X",
  І: "I",
  Ј: "J",
  Ѕ: "S",
  Ӏ: "I",
  Ү: "Y",
  Һ: "H",
  // Greek
  α: "a",
  β: "b",
  γ: "y",
  ε: "e",
  η: "n",
  ι: "i",
  κ: "k",
  μ: "u",
  ν: "v",
  ο: "o",
  ρ: "p",
  σ: "o",
  ς: "c",
  τ: "t",
  υ: "u",
  χ: "x",
  ω: "w",
  Α: "A",
  Β: "B",
  Ε: "E",
  Ζ: "Z",
  Η: "H",
  Ι: "I",
  Κ: "K",
  Μ: "M",
  Ν: "N",
  Ο: "O",
  Ρ: "P",
  Τ: "T",
  Υ: "Y",
  Χ: "X",
  // Armenian and Latin small capitals, IPA
  օ: "o",
  ս: "u",
  ı: "i",
  ȷ: "j",
  ɑ: "a",
  ɡ: "g",
  ɩ: "i",
  ɪ: "i",
  ʟ: "l",
  ɴ: "n",
  ʀ: "r",
  ʜ: "h",
  ʏ: "y",
  ʙ: "b",
  ɢ: "g",
  ᴀ: "a",
  ᴄ: "c",
  ᴅ: "d",
  ᴇ: "e",
  ᴋ: "k",
  ᴍ: "m",
  ᴏ: "o",
  ᴘ: "p",
  ᴛ: "t",
  ᴜ: "u",
  ᴠ: "v",
  ᴡ: "w",
  ᴢ: "z",
  ꜱ: "s",
  ꜰ: "f",
};

/**
 * Digits and symbols written for letters. `1` stands for both `i` and `l`, so each
 * reading is tried. Checked in addition to the name as written, never instead.
 */
export const LEET: Readonly<Record<string, readonly string[]>> = {
  "0": ["o"],
  "1": ["i", "l"],
  "3": ["e"],
  "4": ["a"],
  "5": ["s"],
  "6": ["g"],
  "7": ["t"],
  "8": ["b"],
  "9": ["g"],
  "@": ["a"],
  $: ["s"],
  "!": ["i"],
  "|": ["l"],
  "€": ["e"],
};

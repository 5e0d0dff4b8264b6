/** The names OULAD's files go by and the names its records take in Reach. */

/** Activity source of VLE clicks. */
export const OULAD_SOURCE = "vle";
/** Activity kind used when vle.csv is absent or does not list the site. */
export const OULAD_DEFAULT_KIND = "click";
/** studentInfo columns loaded as demographics (monitoring only), under these field names. */
export const OULAD_DEMOGRAPHIC_FIELDS = ["gender", "age_band", "imd_band", "disability"] as const;

/** final_result values a backtest counts as the outcome an early alert should foresee. */
export const OULAD_ADVERSE_OUTCOMES = ["Withdrawn", "Fail"] as const;

export const FILES = {
  courses: "courses.csv",
  assessments: "assessments.csv",
  registration: "studentRegistration.csv",
  info: "studentInfo.csv",
  vle: "vle.csv",
  studentVle: "studentVle.csv",
  studentAssessment: "studentAssessment.csv",
} as const;

/**
 * The vocabulary of a policy file: the keys each section accepts, and where a key written
 * in the wrong section belongs (a hint worth more than "did you mean").
 */
import { nearest } from "./suggest.ts";

export const TOP_KEYS = ["policy", "rules", "escalation"] as const;
export const POLICY_KEYS = [
  "id",
  "name",
  "schools",
  "timezone",
  "schedule",
  "channel",
  "window",
  "max_data_age",
  "absent_statuses",
  "access",
  "cooldown",
  "severity_inhibition",
  "suppress",
  "quiet_hours",
  "digest",
] as const;
export const SUPPRESS_KEYS = [
  "circumstances",
  "withdrawn",
  "on_leave",
  "first_days_of_enrolment",
] as const;
export const QUIET_HOURS_KEYS = ["from", "to", "weekends"] as const;
export const RULE_KEYS = [
  "id",
  "name",
  "description",
  "severity",
  "action",
  "when",
  "for",
  "cooldown",
  "outreach",
  "enabled",
] as const;
export const ESCALATION_KEYS = [
  "no_contact_after",
  "unanswered_attempts",
  "to",
  "remind_unconfirmed_after",
] as const;
export const ACCESS = ["advisees", "school"] as const;

/** Where a key belongs when it is written in the wrong section. */
export function misplacedHint(section: string): (key: string) => string | undefined {
  return (key) => {
    if (section !== "the file" && (TOP_KEYS as readonly string[]).includes(key)) {
      return `${key}: belongs at the top level of the file, not inside ${section}`;
    }
    if (section === "the file" && (POLICY_KEYS as readonly string[]).includes(key)) {
      return `${key} belongs under policy:`;
    }
    if (section === "policy") {
      const ruleKey = (RULE_KEYS as readonly string[]).includes(key)
        ? key
        : nearest(key, RULE_KEYS);
      const policyKey = nearest(key, POLICY_KEYS);
      if (ruleKey !== undefined && policyKey === undefined) {
        return `${ruleKey === key ? "" : `did you mean ${ruleKey}? `}${ruleKey} belongs in a rule, under rules:`;
      }
    }
    return undefined;
  };
}

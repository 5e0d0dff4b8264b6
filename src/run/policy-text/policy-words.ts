/**
 * A whole policy in plain words, for the `policy` card in Teams: who it covers, when it
 * runs, its window and access, each rule as a sentence (rule-sentence.ts), and the rest of
 * its settings — suppressions, cool-down, escalation, quiet hours, the digest — as a lead
 * would say them. Pure: the school names come in as a function; no I/O, no clock.
 */
import type { Policy } from "../../rules/index.ts";
import { cronInWords, listWords } from "./cron-words.ts";
import { ruleWords } from "./rule-sentence.ts";

export interface RuleDescription {
  id: string;
  name: string;
  description?: string;
  severity: Policy["rules"][number]["severity"];
  /** `watch`: counted, never opens a case. */
  action: "case" | "watch";
  enabled: boolean;
  /** The condition and `for` in words. */
  when: string;
  /** "high severity", or "watch only: counted, never opens a case". */
  outcome: string;
  /** `when → outcome`, marked when the rule is disabled. */
  sentence: string;
}

export interface PolicyDescription {
  id: string;
  name: string;
  /** "Northfield (sch1)", or "every school in the data". */
  covers: string;
  /** "07:00 on weekdays, Europe/London". */
  runs: string;
  /** "the last 45 school days". */
  window: string;
  /** Who may act on a case. */
  access: string;
  /** "unexcused and excused absences count as absent". */
  absent: string;
  /** "a run needs data at most 3 school days old". */
  dataAge: string;
  /** One line per suppression; "none" alone when nothing is suppressed. */
  suppressions: string[];
  severityInhibition: string;
  cooldown: string;
  escalation: string;
  quietHours: string;
  digest: string;
  rules: RuleDescription[];
}

export interface DescribeOptions {
  /** A school's name where the data has one, else its id. */
  schoolName?: (schoolId: string) => string;
}

const STATUS_WORDS: Readonly<Record<string, string>> = {
  unexcused_absence: "unexcused absences",
  excused_absence: "excused absences",
  tardy: "late arrivals",
  early_departure: "early departures",
  partial: "partial attendance",
};

const CIRCUMSTANCE_WORDS: Readonly<Record<string, string>> = {
  extenuating_circumstances: "extenuating circumstances",
  leave: "leave",
  placement: "a placement",
};

export function describePolicy(policy: Policy, options: DescribeOptions = {}): PolicyDescription {
  const context = { windowDays: policy.windowDays };
  return {
    id: policy.id,
    name: policy.name,
    covers: coversWords(policy.schools, options.schoolName),
    runs: `${cronInWords(policy.schedule)}, ${policy.timezone}`,
    window: schoolDays(policy.windowDays, "the last"),
    access:
      policy.access === "school"
        ? "any adviser of the student's school may act on a case"
        : "a student's own advisers act on their case",
    absent: `${absentWords(policy.absentStatuses)} count as absent`,
    dataAge:
      policy.maxDataAgeDays === 0
        ? "a run needs data up to its own date"
        : `a run needs data at most ${plural(policy.maxDataAgeDays, "school day")} old`,
    suppressions: suppressionWords(policy.suppress),
    severityInhibition: policy.severityInhibition
      ? "a case shows only its most severe signals; lower ones are kept but hidden"
      : "a case shows every signal, whatever its severity",
    cooldown: cooldownWords(policy),
    escalation: escalationWords(policy.escalation),
    quietHours: quietWords(policy),
    digest:
      policy.digest === undefined
        ? "no weekly digest"
        : `${cronInWords(policy.digest)}, ${policy.timezone}`,
    rules: policy.rules.map((rule) => {
      const text = ruleWords(rule, context);
      return {
        id: rule.id,
        name: rule.name,
        ...(rule.description !== undefined && { description: rule.description }),
        severity: rule.severity,
        action: rule.action === "watch" ? "watch" : "case",
        enabled: rule.enabled,
        ...text,
      };
    }),
  };
}

/** "unexcused and excused absences", "late arrivals and unexcused absences". */
function absentWords(statuses: readonly string[]): string {
  const both = ["unexcused_absence", "excused_absence"];
  const rest = statuses.filter((s) => !both.includes(s)).map((s) => STATUS_WORDS[s] ?? words(s));
  const absences = both.every((s) => statuses.includes(s))
    ? ["unexcused and excused absences"]
    : statuses.filter((s) => both.includes(s)).map((s) => STATUS_WORDS[s]);
  return listWords([...absences, ...rest]);
}

function coversWords(schools: readonly string[], name?: (id: string) => string): string {
  if (schools.includes("*")) return "every school in the data";
  const named = schools.map((id) => {
    const shown = name?.(id)?.trim();
    return shown === undefined || shown === "" || shown === id ? id : `${shown} (${id})`;
  });
  return `students of ${listWords(named)}`;
}

function suppressionWords(suppress: Policy["suppress"]): string[] {
  const lines: string[] = [];
  if (suppress.circumstances.length > 0) {
    const kinds = suppress.circumstances.map((k) => CIRCUMSTANCE_WORDS[k] ?? words(k));
    lines.push(`no case for the dates of approved ${orWords(kinds)}`);
  }
  if (suppress.withdrawn) lines.push("no case for a withdrawn student");
  if (suppress.onLeave) lines.push("no case for a student on leave");
  if (suppress.firstDaysOfEnrolment > 0) {
    lines.push(
      `no case in a student's first ${plural(suppress.firstDaysOfEnrolment, "school day")} of enrolment`,
    );
  }
  return lines.length === 0 ? ["none: every student in scope is checked"] : lines;
}

function cooldownWords(policy: Policy): string {
  const own = policy.rules.filter((r) => r.cooldownDays !== undefined);
  const base = `${plural(policy.cooldownDays, "school day")} after a case closes before the same rule may open another`;
  const rules =
    own.length === 0
      ? ""
      : ` (${listWords(own.map((r) => `${r.name}: ${plural(r.cooldownDays as number, "school day")}`))})`;
  // rules/README.md: the cool-down is checked when the file loads, but not applied yet.
  return `${base}${rules}; set, but not applied in this version of Reach`;
}

function escalationWords(escalation: Policy["escalation"]): string {
  if (escalation === undefined) return "Reach proposes no escalations and sends no reminders";
  const when: string[] = [];
  if (escalation.noContactAfterDays !== undefined) {
    when.push(
      `a confirmed case has had no successful contact for ${plural(escalation.noContactAfterDays, "school day")}`,
    );
  }
  if (escalation.unansweredAttempts !== undefined) {
    when.push(`${plural(escalation.unansweredAttempts, "contact attempt")} in a row go unanswered`);
  }
  const to = words(escalation.to);
  const proposal =
    when.length === 0
      ? `escalations go to ${article(to)}`
      : `Reach proposes an escalation to ${article(to)} when ${when.join(", or when ")}`;
  const reminder =
    escalation.remindUnconfirmedAfterDays === undefined
      ? "no reminder for a case nobody has taken"
      : `a case nobody has taken gets a reminder after ${plural(escalation.remindUnconfirmedAfterDays, "school day")}`;
  return `${proposal}; ${reminder}`;
}

function quietWords(policy: Policy): string {
  const quiet = policy.quietHours;
  if (quiet === null) return "off: messages to students may go at any time";
  const time = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  const weekends = quiet.weekends ? ", and all weekend" : "";
  return `messages to students wait from ${time(quiet.fromMinute)} to ${time(quiet.toMinute)}${weekends} (${policy.timezone})`;
}

function schoolDays(n: number, lead: string): string {
  return n === 1 ? `${lead} school day` : `${lead} ${n} school days`;
}

function plural(n: number, one: string): string {
  return `${n} ${n === 1 ? one : `${one}s`}`;
}

function words(id: string): string {
  return id.replace(/[_-]+/g, " ").trim();
}

/** "an engagement lead", "a head of year". */
function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

/** "a", "a or b", "a, b or c". */
function orWords(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

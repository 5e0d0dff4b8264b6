/**
 * The preview of a change to a policy, for the lead who asked only (the invoke's answer
 * replaces the card for them): the change in words, per rule the students who would gain
 * or lose a finding as counts, the names the lead may read in a collapsed section, the
 * file's diff in monospace (clipped), the loader's warnings, and Save (`policy_save`,
 * carrying the change, the reason and the hash of the file previewed) and Back. A change
 * that cannot be made shows its problems at their line and column, and no Save.
 */
import type { PolicyEditPreview, ShownMovement } from "../../app/index.ts";
import type { PolicyProblem } from "../../rules/index.ts";
import type { AdaptiveCard } from "./attachment.ts";
import { diffLines } from "./diff-lines.ts";
import { formatDate, shorten } from "./format.ts";
import { expandTemplate } from "./templates.ts";

/** The diff shown on the card is cut to this many lines. */
export const PREVIEW_DIFF_LINES = 80;
/** Names listed per rule and direction; the rest are counted. */
const NAMES_PER_LIST = 30;

export function renderPolicyPreview(preview: PolicyEditPreview): AdaptiveCard {
  const { preview: moved } = preview;
  const movement = [
    ...moved.rules.map((r) => ({
      title: shorten(r.ruleName, 80),
      value: movementWords(r, r.actionAfter === "watch" || r.actionBefore === "watch"),
    })),
    { title: "Students with a case", value: movementWords(moved.cases, false) },
    { title: "Students watched", value: movementWords(moved.watched, true) },
  ];
  const names: { line: string }[] = [];
  for (const r of moved.rules) {
    const lines = namesOf(r);
    if (lines.length > 0) names.push({ line: `**${shorten(r.ruleName, 80)}**` }, ...lines);
  }
  const namedCount = moved.rules.reduce((n, r) => n + r.gainedShown.length + r.lostShown.length, 0);
  const notShown = moved.rules.reduce((n, r) => n + r.gainedNotShown + r.lostNotShown, 0);
  return expandTemplate("policy-preview", {
    fallbackText: `Preview of a change to policy ${preview.policyId}`,
    title: `Preview: ${shorten(preview.summary, 300)}`,
    subtitle: `${shorten(preview.policyName, 200)} — on the data as of ${formatDate(preview.asOf)}, evaluated as a dry run. Nothing is saved until you press Save.`,
    hasWords: preview.words.length > 0,
    words: preview.words.map((line) => ({ line: capitalise(line) })),
    hasProblems: false,
    problemsHeading: "",
    problems: [],
    hasMovement: true,
    movementHeading: "Who would gain or lose a finding",
    movement,
    namesNote:
      notShown > 0
        ? `Counts include ${notShown} ${notShown === 1 ? "student" : "students"} you may not see, who are not named.`
        : "Counts of students; the names are below.",
    hasNames: names.length > 0,
    namesTitle: `Names you may see (${namedCount})`,
    names,
    ...backtestModel(preview.backtest),
    hasWarnings: preview.warnings.length > 0,
    warnings: preview.warnings.slice(0, 10).map((line) => ({ line: shorten(line, 300) })),
    hasDiff: preview.diff !== "",
    diffLines: diffLines(preview.diff, PREVIEW_DIFF_LINES),
    footer: `Save writes this change into the policy's file, records it with your reason in the policy's audit trail and tells the policy's channel. It takes effect at the next run.`,
    canSave: true,
    save: preview.save,
    policyId: preview.policyId,
  });
}

/** A change that cannot be made: its problems, positioned, and Back only. */
export function renderPolicyProblems(
  policyId: string,
  heading: string,
  problems: readonly (PolicyProblem | string)[],
): AdaptiveCard {
  const lines = problems.slice(0, 10).map((p) => ({
    line: shorten(
      typeof p === "string"
        ? p
        : `Line ${p.line}, column ${p.column}: ${p.message}${p.hint ? ` (${p.hint})` : ""}`,
      400,
    ),
  }));
  if (problems.length > 10) lines.push({ line: `…and ${problems.length - 10} more` });
  return expandTemplate("policy-preview", {
    fallbackText: `A change to policy ${policyId} was not made`,
    title: "Nothing was changed",
    subtitle: `Policy ${policyId}`,
    hasWords: false,
    words: [],
    hasProblems: true,
    problemsHeading: heading,
    problems: lines,
    hasMovement: false,
    movementHeading: "",
    movement: [],
    namesNote: "",
    hasNames: false,
    namesTitle: "",
    names: [],
    hasWarnings: false,
    warnings: [],
    hasDiff: false,
    diffLines: [],
    ...backtestModel(undefined),
    footer: "Change the values and preview again, or go back to the policy.",
    canSave: false,
    save: {},
    policyId,
  });
}

function movementWords(m: ShownMovement, watch: boolean): string {
  const verb = watch ? "watched" : "with a finding";
  if (m.gained === 0 && m.lost === 0) return `No change (${m.before} ${verb})`;
  return `${m.lost} would lose, ${m.gained} would gain (${m.before} → ${m.after} ${verb})`;
}

function namesOf(r: ShownMovement): { line: string }[] {
  const list = (shown: { displayName: string }[], notShown: number) => {
    const named = shown.slice(0, NAMES_PER_LIST).map((s) => s.displayName);
    const more = shown.length - named.length + notShown;
    return more > 0
      ? `${named.join(", ")}${named.length > 0 ? ", " : ""}and ${more} more`
      : named.join(", ");
  };
  const out: { line: string }[] = [];
  if (r.lostShown.length > 0)
    out.push({ line: `Would lose it: ${list(r.lostShown, r.lostNotShown)}` });
  if (r.gainedShown.length > 0) {
    out.push({ line: `Would gain it: ${list(r.gainedShown, r.gainedNotShown)}` });
  }
  return out;
}

function capitalise(text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1);
}

/** The backtest section: precision, recall, students flagged and cases, before → after. */
function backtestModel(backtest: PolicyEditPreview["backtest"]): object {
  if (backtest === undefined) {
    return { hasBacktest: false, backtestHeading: "", backtest: [], backtestNote: "" };
  }
  const { before, after } = backtest;
  const rate = (v: number | null) => (v === null ? "—" : v.toFixed(2));
  const count = (v: number) => v.toLocaleString("en-GB");
  const days = (v: number | null) => (v === null ? "—" : `${v} school days`);
  return {
    hasBacktest: true,
    backtestHeading: `Backtest on the outcome history: day ${backtest.at} of each student's course`,
    backtest: [
      { title: "Precision", value: `${rate(before.precision)} → ${rate(after.precision)}` },
      { title: "Recall", value: `${rate(before.recall)} → ${rate(after.recall)}` },
      { title: "Students flagged", value: `${count(before.flagged)} → ${count(after.flagged)}` },
      {
        title: "Cases it would open",
        value: `${count(before.casesOpened)} → ${count(after.casesOpened)}`,
      },
      {
        title: "Median lead time",
        value: `${days(before.medianLeadDays)} → ${days(after.medianLeadDays)}`,
      },
    ],
    backtestNote: `The policy replayed over the data before and after the change, scored against ${backtest.outcomesFrom}: precision is the share of flagged students who went on to that outcome, recall the share of those students who were flagged (docs/backtest.md).`,
  };
}

/**
 * The weekly digest as a card for a policy's engagement leads: how the week went, read in
 * ten seconds. Everything on it is a count, a share, a median or a ratio from the Digest
 * (which names no student); the renderer turns each into the words shown and the template
 * (`cards/digest.json`) lays them out.
 *
 * - Shares are whole percentages ("88%"); a change between two shares is in percentage
 *   points of the shares as shown ("▲ 3 pts", "▼ 5 pts", "no change").
 * - Hybrid engagement by school is a `Chart.VerticalBar.Grouped` (Teams draws it), whose
 *   `fallback` is the same figures as a `Table` for hosts without charts.
 * - Fairness cells hidden to protect small groups show "<10" or "–"; a ratio outside
 *   0.8–1.25 is marked ⚠ and its row coloured.
 */
import type { Digest } from "../../app/index.ts";
import type { AdaptiveCard } from "./attachment.ts";
import { formatDate, shorten } from "./format.ts";
import { DISMISS_REASON_LABELS, phraseOf, RESOLVE_OUTCOME_LABELS } from "./labels.ts";
import { expandTemplate } from "./templates.ts";

type Fairness = NonNullable<Digest["fairness"]>;
type HybridRow = Digest["hybrid"]["schools"][number];
type HelpRow = Digest["help"]["rows"][number];
type Shown = Fairness["overall"]["inScope"];

/** A table as the template lays it out: a header row and rows of plain-text cells. */
interface TableModel {
  columns: { width: number }[];
  header: { text: string }[];
  rows: { style: string; cells: { text: string }[] }[];
}

/** The chart's series: at most four data sets (Teams' limit for a grouped bar chart). */
interface Series {
  legend: string;
  color: string;
  values: { x: string; y: number }[];
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Failed-run errors are clipped by the digest already; the card keeps them to a line. */
const ERROR_LENGTH = 160;

/** Teams' limit is about 28 KB; the card keeps clear of it with room for the activity. */
export const DIGEST_CARD_BUDGET = 27 * 1024;
/** Rows of the rules, watch-rule and help tables at most; the rest are counted in a line. */
export const DIGEST_TABLE_ROWS = 10;

/**
 * The digest's card. The quarter's fairness is shown group by group when there is room;
 * otherwise only the groups whose ratio is marked, and at worst a pointer to
 * `reach fairness`, so that the card stays under {@link DIGEST_CARD_BUDGET} bytes.
 */
export function renderDigestCard(digest: Digest): AdaptiveCard {
  let card: AdaptiveCard | undefined;
  for (const view of ["all", "outside", "none"] as const) {
    card = plainRows(expandTemplate("digest", digestModel(digest, view)));
    if (
      digest.fairness === undefined ||
      Buffer.byteLength(JSON.stringify(card)) <= DIGEST_CARD_BUDGET
    )
      break;
  }
  return card as AdaptiveCard;
}

/** Table rows in the default style say nothing: the style is dropped, for room. */
function plainRows(card: AdaptiveCard): AdaptiveCard {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
    } else if (node !== null && typeof node === "object") {
      const element = node as Record<string, unknown>;
      if (element.type === "TableRow" && element.style === "default") delete element.style;
      for (const value of Object.values(element)) visit(value);
    }
  };
  visit(card.body);
  return card;
}

function digestModel(digest: Digest, fairnessView: FairnessView): Record<string, unknown> {
  const { cases, runs, deadLetters, hybrid } = digest;
  const week = formatRange(digest.week.from, digest.week.to);
  const needsLook = runs.failed > 0 || deadLetters.week > 0 || deadLetters.total > 0;
  const schoolNames = new Map(hybrid.schools.map((s) => [s.id, s.name]));
  const chartSeries = seriesOf(hybrid.schools);
  const rules = capped(digest.rules, (r) => (r.noisy ? 1e9 : 0) + r.decided);
  const watch = capped(digest.watch, (w) => w.week ?? 0);
  const help = capped(digest.help.rows, (r) => r.contacted.cases + r.notYetContacted.cases);
  return {
    fallbackText: `Weekly digest — ${digest.policyName}, ${week}`,
    title: `Weekly digest — ${digest.policyName}`,
    subtitle: `The week of ${week}, compared with ${formatRange(digest.previousWeek.from, digest.previousWeek.to)}.`,
    opened: `${cases.opened} opened (${cases.previous.opened} last week)`,
    confirmed: `${cases.confirmed} confirmed (${cases.previous.confirmed} last week)`,
    dismissed: `${cases.dismissed} dismissed (${cases.previous.dismissed} last week)`,
    resolved: `${cases.resolved} resolved (${cases.previous.resolved} last week)`,
    openNow: `${plural(cases.openNow, "case")} open at the end of the week.`,
    hasDismissedBy: cases.dismissedByReason.length > 0,
    dismissedBy: `Why dismissed: ${cases.dismissedByReason
      .map((r) => `${phraseOf(DISMISS_REASON_LABELS, r.reason)} (${r.count})`)
      .join(", ")}.`,
    hasResolvedBy: cases.resolvedByOutcome.length > 0,
    resolvedBy: `How resolved: ${cases.resolvedByOutcome
      .map((r) => `${phraseOf(RESOLVE_OUTCOME_LABELS, r.outcome)} (${r.count})`)
      .join(", ")}.`,
    firstContact:
      digest.firstContact.medianDays === null || digest.firstContact.cases === 0
        ? "No case had its first contact attempt this week."
        : `First contact: median ${plural(digest.firstContact.medianDays, "day")} from opening (${plural(digest.firstContact.cases, "case")}).`,
    escalations:
      digest.escalationsAwaiting === 0
        ? "No escalation is awaiting a decision."
        : `${plural(digest.escalationsAwaiting, "escalation")} awaiting your decision.`,
    escalationsColor: digest.escalationsAwaiting > 0 ? "attention" : "default",
    runsStyle: needsLook ? "warning" : "default",
    runsTitle: needsLook ? "Runs and deliveries: needs a look" : "Runs and deliveries",
    runsLine: `Runs: ${runs.succeeded} succeeded, ${runs.failed} failed, ${runs.skipped} skipped.`,
    deadLine:
      deadLetters.total === 0
        ? "No card or message is stuck undelivered."
        : `Undelivered (dead letters): ${deadLetters.week} this week, ${deadLetters.total} in all.`,
    failures: runs.failures.map((f) => ({
      text: `${formatDate(f.asOf)}: ${shorten(f.error, ERROR_LENGTH)}`,
    })),
    rulesTitle: `Case rules, ${formatRange(digest.rulePeriod.from, digest.rulePeriod.to)}`,
    hasRules: rules.shown.length > 0,
    rules: rulesTable(rules.shown),
    hasRulesNote: rules.left > 0,
    rulesNote: `${plural(rules.left, "more rule")} with fewer cases decided not shown.`,
    hasWatch: watch.shown.length > 0,
    watch: watchTable(watch.shown),
    hasWatchNote: watch.left > 0,
    watchNote: `${plural(watch.left, "more watch rule")} not shown.`,
    hasChart: chartSeries.length > 0,
    chartSeries,
    schools: hybridTable(hybrid.schools, "School", () => undefined),
    hasSections: hybrid.sections.length > 0,
    sections: hybridTable(hybrid.sections, "Section", (row) =>
      hybrid.schools.length > 1 ? schoolNames.get(row.school) : undefined,
    ),
    hasSectionNote: hybrid.sectionsOmitted > 0 || hybrid.sectionsSuppressed > 0,
    sectionNote: sectionNote(hybrid.sectionsOmitted, hybrid.sectionsSuppressed),
    helpIntro: `The change in each rule's measure ${plural(digest.help.schoolDaysAfter, "school day")} after the first successful contact, against cases confirmed and not yet contacted. Medians; fewer than 5 cases is too few to tell.`,
    hasHelp: help.shown.length > 0,
    help: helpTable(help.shown),
    hasHelpNote: help.left > 0,
    helpNote: `${plural(help.left, "more rule")} with fewer cases not shown.`,
    hasFairness: digest.fairness !== undefined,
    ...(digest.fairness !== undefined && fairnessModel(digest.fairness, fairnessView)),
  };
}

/**
 * At most {@link DIGEST_TABLE_ROWS} of `rows`: those that weigh most, in their own order;
 * `left` is how many were left out.
 */
function capped<T>(rows: readonly T[], weight: (row: T) => number): { shown: T[]; left: number } {
  if (rows.length <= DIGEST_TABLE_ROWS) return { shown: [...rows], left: 0 };
  const kept = new Set(
    rows
      .map((row, i) => ({ i, w: weight(row) }))
      .sort((a, b) => b.w - a.w || a.i - b.i)
      .slice(0, DIGEST_TABLE_ROWS)
      .map((x) => x.i),
  );
  return {
    shown: rows.filter((_, i) => kept.has(i)),
    left: rows.length - DIGEST_TABLE_ROWS,
  };
}

// --- words and numbers ------------------------------------------------------------------

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** "88%" from 0.88; "–" when unknown. */
function percent(share: number | null): string {
  return share === null ? "–" : `${Math.round(share * 100)}%`;
}

/** "▲ 3 pts" / "▼ 5 pts" / "no change": the change in whole percentage points as shown. */
export function pointsChange(now: number, before: number): string {
  const points = Math.round(now * 100) - Math.round(before * 100);
  return arrow(points, (n) => (n === 1 ? "1 pt" : `${n} pts`));
}

function arrow(change: number, unit: (n: number) => string): string {
  if (change === 0) return "no change";
  return `${change > 0 ? "▲" : "▼"} ${unit(Math.abs(change))}`;
}

/** A share this week with its change: "88% (▼ 3 pts)", "88%", or "–". */
function shareWithChange(pair: { week: number | null; previous: number | null }): string {
  if (pair.week === null) return "–";
  if (pair.previous === null) return percent(pair.week);
  return `${percent(pair.week)} (${pointsChange(pair.week, pair.previous)})`;
}

/** "16 – 22 Nov 2026", "28 Oct – 3 Nov 2026", "29 Dec 2025 – 4 Jan 2026". */
export function formatRange(from: string, to: string): string {
  const a = parseDay(from);
  const b = parseDay(to);
  if (a === undefined || b === undefined) return `${from} – ${to}`;
  const end = formatDate(to);
  if (a.getUTCFullYear() !== b.getUTCFullYear()) return `${formatDate(from)} – ${end}`;
  if (a.getUTCMonth() !== b.getUTCMonth()) {
    return `${a.getUTCDate()} ${MONTHS[a.getUTCMonth()]} – ${end}`;
  }
  return `${a.getUTCDate()} – ${end}`;
}

function parseDay(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const date = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function dayText(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

function table(
  widths: number[],
  header: string[],
  rows: { style?: string; cells: string[] }[],
): TableModel {
  return {
    columns: widths.map((width) => ({ width })),
    header: header.map((text) => ({ text })),
    rows: rows.map((r) => ({
      style: r.style ?? "default",
      cells: r.cells.map((text) => ({ text })),
    })),
  };
}

// --- sections of the card -----------------------------------------------------------------

function rulesTable(rules: Digest["rules"]): TableModel {
  return table(
    [3, 3],
    ["Rule", "Dismissed"],
    rules.map((r) => {
      const rate = r.dismissalRate === null ? "" : ` (${percent(r.dismissalRate)})`;
      const text =
        r.decided === 0
          ? "none decided"
          : `${r.noisy ? "Noisy: " : ""}${r.dismissed} of ${r.decided} dismissed${rate}`;
      return { style: r.noisy ? "attention" : "default", cells: [r.name, text] };
    }),
  );
}

function watchTable(watch: Digest["watch"]): TableModel {
  const count = (n: number | null) => (n === null ? "–" : plural(n, "student"));
  return table(
    [3, 2, 2],
    ["Watch rule", "This week", "Last week"],
    watch.map((w) => ({ cells: [w.name, count(w.week), count(w.previous)] })),
  );
}

/** The four series of the chart: attendance and digital, this week and last, in %. */
function seriesOf(schools: readonly HybridRow[]): Series[] {
  const points = (pick: (row: HybridRow) => number | null) =>
    schools.flatMap((row) => {
      const value = pick(row);
      return value === null ? [] : [{ x: row.name, y: Math.round(value * 100) }];
    });
  const series: Series[] = [
    {
      legend: "Attendance, this week",
      color: "categoricalTeal",
      values: points((r) => r.attendance.week),
    },
    {
      legend: "Attendance, last week",
      color: "divergingTeal",
      values: points((r) => r.attendance.previous),
    },
    { legend: "Digital, this week", color: "sequential2", values: points((r) => r.digital.week) },
    {
      legend: "Digital, last week",
      color: "sequential6",
      values: points((r) => r.digital.previous),
    },
  ];
  return series.some((s) => s.values.length > 0) ? series : [];
}

function hybridTable(
  rows: readonly HybridRow[],
  what: string,
  schoolOf: (row: HybridRow) => string | undefined,
): TableModel {
  return table(
    [4, 2, 3, 3],
    [what, "Students", "Attendance", "Digital"],
    rows.map((row) => {
      const school = schoolOf(row);
      return {
        cells: [
          school === undefined ? row.name : `${row.name} · ${school}`,
          String(row.students),
          shareWithChange(row.attendance),
          shareWithChange(row.digital),
        ],
      };
    }),
  );
}

function sectionNote(omitted: number, suppressed: number): string {
  const parts: string[] = [];
  if (omitted > 0) parts.push(`${plural(omitted, "more section")} with smaller changes not shown`);
  if (suppressed > 0) {
    parts.push(`${plural(suppressed, "section")} with fewer than 10 students left out`);
  }
  return `${parts.join("; ")}.`;
}

/** A median change in the measure's own unit: "▲ 4 pts", "▼ 1.5 days", "▲ 2". */
function changeIn(unit: HelpRow["unit"], change: number): string {
  switch (unit) {
    case "share":
      return arrow(Math.round(change * 100), (n) => (n === 1 ? "1 pt" : `${n} pts`));
    case "days":
      return arrow(round1(change), (n) => (n === 1 ? "1 day" : `${n} days`));
    default:
      return arrow(round1(change), String);
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function helpCell(unit: HelpRow["unit"], group: HelpRow["contacted"]): string {
  if (group.cases === 0) return "no cases";
  const cases = plural(group.cases, "case");
  if (group.medianChange === null) return `too few to tell (${cases})`;
  return `${changeIn(unit, group.medianChange)} (${cases})`;
}

function helpTable(rows: readonly HelpRow[]): TableModel {
  return table(
    [4, 3, 3],
    ["Rule · measure", "Contacted", "Not yet contacted"],
    rows.map((r) => ({
      cells: [
        `${r.ruleName} · ${r.metric}`,
        helpCell(r.unit, r.contacted),
        helpCell(r.unit, r.notYetContacted),
      ],
    })),
  );
}

/** A count as shown: the number, "<10" for a small cell, "–" for one hidden to protect it. */
function shown(count: Shown | undefined): string {
  if (count === undefined || count === "suppressed") return "–";
  return String(count);
}

type FairnessView = "all" | "outside" | "none";

function fairnessModel(f: Fairness, view: FairnessView): Record<string, unknown> {
  const withCases = f.cases;
  const header = withCases
    ? ["Group", "Students", "Flagged", "With a case"]
    : ["Group", "Students", "Flagged"];
  const widths = withCases ? [4, 2, 3, 3] : [4, 2, 3];
  const rows: { style?: string; cells: string[] }[] = [
    {
      style: "emphasis",
      cells: [
        "All students",
        shown(f.overall.inScope),
        figure(f.overall.flagged, f.overall.rate),
        ...(withCases ? [figure(f.overall.withCase, f.overall.caseRate)] : []),
      ],
    },
  ];
  let withheld = false;
  let left = 0;
  for (const field of f.fields) {
    withheld ||= field.withheld.length > 0;
    const hide = (column: "inScope" | "flagged" | "withCase") => field.withheld.includes(column);
    let first = true;
    for (const g of field.groups) {
      const outside = g.outside || g.caseOutside === true;
      if (view !== "all" && !outside) {
        left++;
        continue;
      }
      rows.push({
        style: outside ? "attention" : "default",
        cells: [
          first ? `${field.field}: ${g.group}` : g.group,
          hide("inScope") ? "–" : shown(g.inScope),
          hide("flagged") ? "–" : figure(g.flagged, g.rate, g.ratio, g.outside),
          ...(withCases
            ? [hide("withCase") ? "–" : figure(g.withCase, g.caseRate, g.caseRatio, g.caseOutside)]
            : []),
        ],
      });
      first = false;
    }
  }
  const notes = [
    "×: the group's rate over everyone's; ⚠ outside 0.8–1.25.",
    "<10: fewer than 10, hidden; –: hidden so that a small group cannot be worked out.",
  ];
  if (withheld) notes.push("Some columns are withheld whole for the same reason.");
  if (view === "outside" && left > 0) {
    notes.push(
      `${plural(left, "group")} within 0.8–1.25 not shown for room: \`reach fairness\` lists every group.`,
    );
  }
  if (view === "none") {
    notes.splice(0, notes.length, "Too many groups to show here: `reach fairness` lists them.");
  }
  return {
    fairnessTitle: `Fairness, ${f.quarter.label} to date (${formatRange(
      dayText(f.quarter.from),
      dayText(f.quarter.through),
    )})`,
    fairnessIntro: withCases
      ? "Students the policy flagged, and students with a case, by group. In aggregate only."
      : "Students the policy flagged, by group. In aggregate only.",
    hasFairnessTable: view !== "none",
    fairness: table(widths, header, rows),
    fairnessNote: notes.join(" "),
  };
}

/** "15 (13%) ×1.27 ⚠": a count as shown, its rate and its ratio to everyone's rate. */
function figure(
  count: Shown | undefined,
  rate: number | null | undefined,
  ratio?: number | null,
  outside?: boolean,
): string {
  let text = shown(count);
  if (rate !== null && rate !== undefined) text += ` (${percent(rate)})`;
  if (ratio !== null && ratio !== undefined) text += ` ×${ratio.toFixed(2)}${outside ? " ⚠" : ""}`;
  return text;
}

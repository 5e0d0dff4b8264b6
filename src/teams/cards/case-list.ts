/**
 * "My cases" in an adviser's personal chat: one row per case (student, state, severity,
 * case id, opened date) with a Show button (`Action.Execute`, verb `show`) that asks the
 * bot for the full case card.
 */
import type { CaseView } from "../../cases/index.ts";
import type { AdaptiveCard } from "./attachment.ts";
import { formatDate } from "./format.ts";
import { labelOf, SEVERITY_LABELS, STATUS_LABELS } from "./labels.ts";
import { expandTemplate } from "./templates.ts";

export interface CaseListItem {
  view: Pick<CaseView, "caseId" | "policyId" | "status" | "severity" | "openedAt" | "snoozedUntil">;
  /** Undefined when the student is no longer in the data. */
  studentName: string | undefined;
}

export interface CaseListInput {
  items: CaseListItem[];
  /** Defaults to "My cases". */
  title?: string;
  /** Rows shown; the rest are counted ("and 3 more"). Defaults to 20. */
  limit?: number;
}

const STATE_COLORS: Readonly<Record<string, string>> = {
  proposed: "accent",
  active: "good",
  escalated: "attention",
};

export function renderCaseList(input: CaseListInput): AdaptiveCard {
  const limit = input.limit ?? 20;
  const rows = input.items.slice(0, limit).map(({ view, studentName }) => ({
    caseId: view.caseId,
    policyId: view.policyId,
    studentName: studentName ?? "Student record not available",
    state: [
      labelOf(STATUS_LABELS, view.status),
      `${labelOf(SEVERITY_LABELS, view.severity).toLowerCase()} severity`,
      view.snoozedUntil === undefined
        ? undefined
        : `snoozed until ${formatDate(view.snoozedUntil)}`,
    ]
      .filter((p) => p !== undefined)
      .join(" · "),
    stateColor: STATE_COLORS[view.status] ?? "default",
    detail: `Case ${view.caseId} · opened ${formatDate(view.openedAt)}`,
  }));
  const n = input.items.length;
  const more = n - rows.length;
  return expandTemplate("case-list", {
    title: input.title ?? "My cases",
    summary: n === 0 ? "You have no cases right now." : n === 1 ? "1 case" : `${n} cases`,
    rows,
    hasMore: more > 0,
    more: `and ${more} more not shown. Ask for "case" and its id to see one.`,
  });
}

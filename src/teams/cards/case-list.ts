/**
 * "My cases" in an adviser's personal chat: one row per case (student, state, severity,
 * case id, opened date), in titled sections when given ("Assigned to you", "New cases you
 * may take"), with a Show button (`Action.Execute`, verb `show`) that asks the
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

/** A titled part of the list: "Assigned to you", "New cases you may take". */
export interface CaseListSection {
  heading: string;
  items: CaseListItem[];
  /** Shown under the heading when the section has no case. Defaults to "None right now." */
  empty?: string;
}

export interface CaseListInput {
  /** One list without headings; ignored when `sections` is given. */
  items?: CaseListItem[];
  /** Lists under headings, in order. */
  sections?: CaseListSection[];
  /** Defaults to "My cases". */
  title?: string;
  /** Rows shown per list; the rest are counted ("and 3 more"). Defaults to 20. */
  limit?: number;
  /** The summary when there is no case at all. Defaults to "You have no cases right now." */
  empty?: string;
}

const STATE_COLORS: Readonly<Record<string, string>> = {
  proposed: "accent",
  active: "good",
  escalated: "attention",
};

export function renderCaseList(input: CaseListInput): AdaptiveCard {
  const limit = input.limit ?? 20;
  const sections: CaseListSection[] = input.sections ?? [{ heading: "", items: input.items ?? [] }];
  const total = sections.reduce((n, s) => n + s.items.length, 0);
  const summary =
    total === 0
      ? (input.empty ?? "You have no cases right now.")
      : total === 1
        ? "1 case"
        : `${total} cases`;
  return expandTemplate("case-list", {
    title: input.title ?? "My cases",
    summary,
    sections: total === 0 ? [] : sections.map((s) => sectionModel(s, limit)),
  });
}

function sectionModel(section: CaseListSection, limit: number) {
  const rows = section.items.slice(0, limit).map(({ view, studentName }) => ({
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
  const more = section.items.length - rows.length;
  return {
    hasHeading: section.heading !== "",
    heading: rows.length === 0 ? section.heading : `${section.heading} (${section.items.length})`,
    isEmpty: rows.length === 0,
    empty: section.empty ?? "None right now.",
    rows,
    hasMore: more > 0,
    more: `and ${more} more not shown. Ask for "case" and its id to see one.`,
  };
}

/**
 * What a student sees when they ask Reach what it holds about them: the sources it reads,
 * their own measures with the window and what the school looks for, whether they have an
 * open support case and who their adviser is, how to ask for the full record, and how
 * recent the data is. Built field by field from the named view only.
 */
import type { StudentDataView } from "../../app/index.ts";
import type { AdaptiveCard } from "./attachment.ts";
import { expandTemplate } from "./templates.ts";

export function renderMyData(view: StudentDataView): AdaptiveCard {
  const sources = view.sources.filter((s) => s.trim() !== "").map((source) => ({ source }));
  const measures = view.measures.map((m) => ({
    label: m.label,
    value: m.value,
    window: m.window,
    expected: m.expected,
  }));
  return expandTemplate("my-data", {
    fallbackText: `What Reach holds about you, ${view.firstName}`,
    intro: `Hi ${view.firstName}. Reach is the student-support app ${view.schoolName} uses. This is what it holds about you, in plain words.`,
    hasSources: sources.length > 0,
    sources,
    hasMeasures: measures.length > 0,
    measures,
    caseLine:
      view.openCase === undefined
        ? "You have no open support case."
        : `You have an open support case since ${view.openCase.since}.`,
    hasAdviser: view.adviser !== undefined && view.adviser.trim() !== "",
    adviserLine: `Your adviser is ${view.adviser ?? ""}.`,
    howToAskForRecord: view.howToAskForRecord,
    hasDataThrough: view.dataThrough !== undefined && view.dataThrough.trim() !== "",
    dataThrough: `Reach's data about you runs up to ${view.dataThrough ?? ""}.`,
  });
}

import type { DatasetBuilder } from "../../dataset.ts";
import type { Presentation } from "./presentation.ts";

/**
 * Every day of each presentation (day 0 through module_presentation_length) is a study
 * day: distance learning has no term breaks in the data. A module's calendar is the union
 * of its presentations' days.
 */
export function addCalendar(
  builder: DatasetBuilder,
  presentations: Map<string, Presentation>,
): void {
  const days = new Map<string, Set<number>>();
  for (const p of presentations.values()) {
    let set = days.get(p.module);
    if (set === undefined) {
      set = new Set();
      days.set(p.module, set);
    }
    for (let d = 0; d <= p.length; d++) set.add(p.start + d);
  }
  for (const [school, set] of days) {
    for (const date of [...set].sort((a, b) => a - b)) {
      builder.addCalendarDay({ school, date, instructional: true });
    }
  }
}

/**
 * Turns stored cases into cards for the bot and the delivery worker, with the names and
 * student details from the current directory. Channel cards (reader null) carry the
 * minimum: no restricted note text, no special-category data (the card renderer takes
 * only named fields).
 */

import type { DirectoryHolder, Notice } from "../app/index.ts";
import type { CaseEvent } from "../cases/index.ts";
import { caseView, foldCase } from "../cases/index.ts";
import type { Staff, Student } from "../data/schema.ts";
import type { CaseSummary, StoredCase } from "../store/index.ts";
import {
  type AdaptiveCard,
  CARD_CONTENT_TYPE,
  describeEvent,
  recentEvents,
  renderCaseCard,
  renderCaseList,
  renderNoticeCard,
} from "./cards/index.ts";

export { type AdaptiveCard, CARD_CONTENT_TYPE };

export interface Presenter {
  /** The case card; `reader` null for a channel, a staff id for their personal chat. */
  caseCard(stored: StoredCase, reader: string | null, notice?: Notice): AdaptiveCard;
  notice(title: string, text: string, tone: Notice["tone"]): AdaptiveCard;
  caseList(staff: Staff, cases: readonly CaseSummary[]): AdaptiveCard;
  /** The thread's one line for events just stored: "Alex Wilber confirmed the case and took it." */
  describe(events: readonly CaseEvent[], actorName: string): string;
  /** The notification text of a new card, without personal data. */
  summary(stored: StoredCase): string;
}

export function createPresenter(directory: DirectoryHolder): Presenter {
  return {
    caseCard(stored, reader, notice) {
      const dir = directory.get();
      const state = foldCase(stored.events);
      if (state === undefined) {
        return renderNoticeCard({
          title: "Case not available",
          text: "This case has no history.",
          tone: "info",
        });
      }
      const student = state.erased ? undefined : dir.students.get(state.studentId);
      return renderCaseCard({
        view: caseView(state, reader, dir.roster),
        student: student && {
          displayName: nameOf(student),
          school: student.school,
          ...(student.programme && { programme: student.programme }),
          ...(student.year && { year: student.year }),
        },
        ...(dir.policies.get(state.policyId)?.name !== undefined && {
          policyName: dir.policies.get(state.policyId)?.name,
        }),
        ...(notice && { notice }),
        recent: recentEvents(stored.events, dir.roster),
      });
    },
    notice(title, text, tone) {
      return renderNoticeCard({ title, text, tone });
    },
    caseList(staff, cases) {
      const dir = directory.get();
      return renderCaseList({
        title: `Cases for ${staff.name}`,
        items: cases.map((c) => {
          const student = dir.students.get(c.studentId);
          return {
            view: {
              caseId: c.caseId,
              policyId: c.policyId,
              status: c.status,
              severity: c.severity,
              openedAt: c.openedAt,
            },
            studentName: student ? nameOf(student) : undefined,
          };
        }),
      });
    },
    describe(events, actorName) {
      const dir = directory.get();
      const lines = events.map((e) =>
        describeEvent(e, (id) => (id === e.actor ? actorName : dir.roster.get(id)?.name)),
      );
      const sentence = lines.join("; ");
      return sentence.endsWith(".") ? sentence : `${sentence}.`;
    },
    summary(stored) {
      const state = foldCase(stored.events);
      return state ? `New ${state.severity} case for the support team` : "A Reach case";
    },
  };
}

/** What a card calls a student: the name they prefer, else their display name. */
function nameOf(student: Student): string {
  return student.preferredName ?? student.displayName ?? student.id;
}

/**
 * Turns stored cases into cards for the bot and the delivery worker, with the names and
 * student details from the current directory. Channel cards (reader null) carry the
 * minimum: no restricted note text, no special-category data (the card renderer takes
 * only named fields). The cards a student gets (their message, the thanks for a reply,
 * their own data) are rendered from the few fields they show, never from a case.
 */

import {
  type DirectoryHolder,
  firstNameOf as firstWordOf,
  type MessageDraft,
  type MyCases,
  type Notice,
  type StudentDataView,
} from "../app/index.ts";
import type { CaseEvent } from "../cases/index.ts";
import { caseView, foldCase } from "../cases/index.ts";
import type { Staff, Student } from "../data/schema.ts";
import type { CaseSummary, StoredCase } from "../store/index.ts";
import {
  type AdaptiveCard,
  CARD_CONTENT_TYPE,
  type CaseListItem,
  describeEvent,
  recentEvents,
  renderCaseCard,
  renderCaseList,
  renderMyData,
  renderNoticeCard,
  renderProposeForm,
  renderStudentMessage,
  renderStudentThanks,
  type StudentMessageInput,
} from "./cards/index.ts";

export {
  type AdaptiveCard,
  CARD_CONTENT_TYPE,
  type MessageDraft,
  type StudentDataView,
  type StudentMessageInput,
};

export interface Presenter {
  /** The case card; `reader` null for a channel, a staff id for their personal chat. */
  caseCard(stored: StoredCase, reader: string | null, notice?: Notice): AdaptiveCard;
  notice(title: string, text: string, tone: Notice["tone"]): AdaptiveCard;
  /** "Assigned to you" and "New cases you may take", each case with its Show button. */
  caseList(staff: Staff, cases: MyCases): AdaptiveCard;
  /** The form from "Propose message": the text to edit, when it goes, a preview, Send. */
  proposeForm(draft: MessageDraft, notice?: Notice): AdaptiveCard;
  /** The card a student gets in their own chat: the approved text and the reply buttons. */
  studentMessage(input: StudentMessageInput): AdaptiveCard;
  /** The card that answers a student's reply or opt-out: no buttons. */
  studentThanks(title: string, text?: string): AdaptiveCard;
  /** What Reach holds about the student asking. */
  myData(view: StudentDataView): AdaptiveCard;
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
      const policy = dir.policies.get(state.policyId);
      return renderCaseCard({
        view: caseView(state, reader, dir.roster),
        student: student && {
          displayName: nameOf(student),
          firstName: firstNameOf(student),
          school: student.school,
          ...(student.programme && { programme: student.programme }),
          ...(student.year && { year: student.year }),
        },
        ...(policy?.name !== undefined && { policyName: policy.name }),
        ...(policy?.timezone !== undefined && { timezone: policy.timezone }),
        ...(notice && { notice }),
        recent: recentEvents(stored.events, dir.roster),
      });
    },
    notice(title, text, tone) {
      return renderNoticeCard({ title, text, tone });
    },
    caseList(staff, cases) {
      const dir = directory.get();
      const item = (c: CaseSummary): CaseListItem => {
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
      };
      return renderCaseList({
        title: `Cases for ${staff.name}`,
        sections: [
          { heading: "Assigned to you", items: cases.assigned.map(item) },
          { heading: "New cases you may take", items: cases.mayTake.map(item) },
        ],
        empty: "You have no cases right now and none waiting.",
      });
    },
    proposeForm(draft, notice) {
      return renderProposeForm(draft, notice);
    },
    studentMessage(input) {
      return renderStudentMessage(input);
    },
    studentThanks(title, text) {
      return renderStudentThanks(title, text);
    },
    myData(view) {
      return renderMyData(view);
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

/** What a card's sentences call a student ("Ben replied: …"). */
export function firstNameOf(student: Pick<Student, "preferredName" | "displayName">): string {
  return firstWordOf(student, "the student");
}

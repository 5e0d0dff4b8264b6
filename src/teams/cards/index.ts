export {
  type AdaptiveCard,
  CARD_CONTENT_TYPE,
  type CardAttachment,
  cardAttachment,
} from "./attachment.ts";
export {
  CARD_LIMITS,
  type CaseCardInput,
  type CaseCardStudent,
  renderCaseCard,
} from "./case-card.ts";
export {
  type CaseListInput,
  type CaseListItem,
  type CaseListSection,
  renderCaseList,
} from "./case-list.ts";
export { MESSAGE_LIMITS, type MessagesInput, messagesOf } from "./case-messages.ts";
export {
  describeEvent,
  eventLine,
  type NameLookup,
  nameOf,
  type RecentEvent,
  recentEvents,
} from "./describe-event.ts";
export { formatRange, pointsChange, renderDigestCard } from "./digest-card.ts";
export {
  formatDate,
  formatDateTime,
  formatDayMonth,
  formatLocalTime,
  formatWindow,
  shorten,
} from "./format.ts";
export {
  type CaseActionData,
  FORM_KINDS,
  FORM_VERBS,
  type FormKind,
  renderForm,
  renderForms,
} from "./forms.ts";
export { inert, inertDeep } from "./inert.ts";
export * from "./labels.ts";
export { renderMyData } from "./my-data.ts";
export {
  NOTICE_TONES,
  type NoticeCardInput,
  type NoticeTone,
  noticeStyle,
  renderNoticeCard,
} from "./notice-card.ts";
export { POLICY_CARD_BUDGET, POLICY_CARD_RULES, renderPolicyCard } from "./policy-card.ts";
export { HISTORY_CARD_BUDGET, renderPolicyHistory } from "./policy-history.ts";
export {
  PREVIEW_DIFF_LINES,
  renderPolicyPreview,
  renderPolicyProblems,
} from "./policy-preview.ts";
export { renderProposeForm } from "./propose-form.ts";
export {
  MAX_REPLY_LENGTH,
  renderStudentMessage,
  renderStudentThanks,
  STUDENT_MESSAGE_FOOTER,
  type StudentMessageInput,
  studentMessageHeader,
} from "./student-message.ts";
export { expandTemplate, TEMPLATE_NAMES, type TemplateName, templateJson } from "./templates.ts";

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
export { type CaseListInput, type CaseListItem, renderCaseList } from "./case-list.ts";
export {
  describeEvent,
  eventLine,
  type NameLookup,
  nameOf,
  type RecentEvent,
  recentEvents,
} from "./describe-event.ts";
export { formatDate, formatDateTime, formatWindow, shorten } from "./format.ts";
export {
  type CaseActionData,
  FORM_KINDS,
  FORM_VERBS,
  type FormKind,
  renderForm,
  renderForms,
} from "./forms.ts";
export * from "./labels.ts";
export {
  NOTICE_TONES,
  type NoticeCardInput,
  type NoticeTone,
  noticeStyle,
  renderNoticeCard,
} from "./notice-card.ts";
export { expandTemplate, TEMPLATE_NAMES, type TemplateName, templateJson } from "./templates.ts";

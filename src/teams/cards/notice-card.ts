/**
 * A short card for a chat or a thread: an action refused, a card that was out of date, a
 * confirmation. The same tones colour the notice at the top of a case card.
 */
import type { AdaptiveCard } from "./attachment.ts";
import { expandTemplate } from "./templates.ts";

export const NOTICE_TONES = ["refusal", "stale", "info", "success"] as const;
export type NoticeTone = (typeof NOTICE_TONES)[number];

const STYLES: Readonly<Record<NoticeTone, string>> = {
  refusal: "attention",
  stale: "warning",
  info: "accent",
  success: "good",
};

/** The Adaptive Card container style of a tone. */
export function noticeStyle(tone: NoticeTone): string {
  return STYLES[tone] ?? "default";
}

export interface NoticeCardInput {
  title: string;
  text: string;
  tone: NoticeTone;
}

export function renderNoticeCard(input: NoticeCardInput): AdaptiveCard {
  return expandTemplate("notice", {
    title: input.title,
    text: input.text,
    style: noticeStyle(input.tone),
  });
}

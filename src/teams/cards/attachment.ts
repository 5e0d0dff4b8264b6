/** An Adaptive Card as a plain JSON object, and the Bot Framework attachment that carries it. */

export type AdaptiveCard = Record<string, unknown>;

export const CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive";

export interface CardAttachment {
  contentType: typeof CARD_CONTENT_TYPE;
  content: AdaptiveCard;
}

export function cardAttachment(card: AdaptiveCard): CardAttachment {
  return { contentType: CARD_CONTENT_TYPE, content: card };
}

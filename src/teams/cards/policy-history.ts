/**
 * A policy's history as a card (`@Reach policy history`): its versions, newest first, each
 * with when, who (or "a change to the file"), why, the diff behind "Show the change", and —
 * for every version but the running one — "Roll back to this version…" with a required
 * reason (`policy_rollback`). The card is the same for everyone; who may roll back is
 * checked when the button is pressed. It holds policy text only: no student is named.
 */
import { HISTORY_SHOWN, MAX_REASON_LENGTH, type PolicyHistoryView } from "../../app/index.ts";
import type { AdaptiveCard } from "./attachment.ts";
import { diffLines } from "./diff-lines.ts";
import { formatLocalTime, shorten } from "./format.ts";
import { type NoticeTone, noticeStyle } from "./notice-card.ts";
import { expandTemplate } from "./templates.ts";

/** Teams' limit is about 28 KB; the card keeps clear of it. */
export const HISTORY_CARD_BUDGET = 27 * 1024;
/** Each version's diff on the card is cut to this many lines. */
const DIFF_LINES = 40;

const SOURCE_WORDS: Readonly<Record<string, string>> = {
  teams: "changed from Teams",
  rollback: "rolled back from Teams",
};

export function renderPolicyHistory(
  view: PolicyHistoryView,
  notice?: { tone: NoticeTone; text: string },
): AdaptiveCard {
  let diffLength = DIFF_LINES;
  for (;;) {
    const card = expandTemplate("policy-history", {
      ...historyModel(view, diffLength),
      hasNotice: notice !== undefined,
      noticeStyle: notice === undefined ? "default" : noticeStyle(notice.tone),
      noticeText: notice?.text ?? "",
    });
    if (diffLength < 4 || Buffer.byteLength(JSON.stringify(card)) <= HISTORY_CARD_BUDGET) {
      return card;
    }
    diffLength = Math.floor(diffLength / 2);
  }
}

function historyModel(view: PolicyHistoryView, diffLength: number): object {
  const count = view.versions.length + view.more;
  return {
    fallbackText: `History of policy ${view.policyId}`,
    title: `History of ${shorten(view.policyName, 200)}`,
    subtitle: `Policy ${view.policyId} · ${count} ${count === 1 ? "version" : "versions"}, newest first · times in ${view.timezone}`,
    policyId: view.policyId,
    versions: view.versions.map((v) => {
      const kind =
        v.source === "rollback" && v.restores !== undefined
          ? `rolled back to version ${v.restores} from Teams`
          : v.source === "file"
            ? v.version === 1
              ? "first read by Reach"
              : "changed outside Reach"
            : SOURCE_WORDS[v.source];
      return {
        heading: `Version ${v.version}`,
        current: v.current,
        byline: `${formatLocalTime(v.at, view.timezone)} · ${shorten(v.author, 120)} · ${kind}`,
        hasReason: v.reason !== undefined && v.reason !== "",
        reason: `Why: ${shorten(v.reason ?? "", 600)}`,
        hasDiff: v.diff !== "",
        diffId: `diff-${v.version}`,
        diffLines: diffLines(v.diff, diffLength),
        canRollBack: !v.current && view.currentHash !== undefined,
        rollbackText: `The policy's file goes back to the text of version ${v.version}, as a new version. It takes effect at the next run.`,
        whyId: `v${v.version}_why`,
        form: `v${v.version}`,
        version: v.version,
        hash: view.currentHash ?? "",
        policyId: view.policyId,
        maxReasonLength: MAX_REASON_LENGTH,
      };
    }),
    hasMore: view.more > 0,
    more: `…and ${view.more} older ${view.more === 1 ? "version" : "versions"}, not shown (the newest ${HISTORY_SHOWN} are): \`reach policy history ${view.policyId}\` lists them all.`,
    footer:
      "Every change is a version: from Teams with who and why, or seen in the policy's file. Only an engagement lead of the policy's schools can roll back.",
  };
}

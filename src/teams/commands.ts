/**
 * Text commands. In a channel (where Reach hears only messages that @mention it):
 * `link <policy-id> [leads]`, `binding`, `unlink [<policy-id>] [leads]`, `digest
 * [<policy-id>]`, `policy [<policy-id>]`, `help` — binding a policy's cases (or, with `leads`, its digest and
 * escalations) to the channel and asking for the digest are for the policy's engagement lead. In a personal chat, for
 * advisers: `my cases`, `case <id>`, `policy <id>`, `help`; for students: `my data`, `help`.
 *
 * Help texts name what to type in backticks; a placeholder is written in capitals
 * (`case CASE-ID`), never in angle brackets, which Teams shows as `&lt;id&gt;` inside code.
 */

export type ChannelCommand =
  | { kind: "link"; policyId: string | undefined; purpose?: "leads" }
  | { kind: "binding" }
  | { kind: "unlink"; policyId: string | undefined; purpose?: "leads" }
  | { kind: "digest"; policyId: string | undefined }
  | { kind: "policy"; policyId: string | undefined; history?: true }
  | { kind: "help" }
  | { kind: "unknown"; text: string };

export type PersonalCommand =
  | { kind: "my_cases" }
  | { kind: "my_data" }
  | { kind: "case"; caseId: string | undefined }
  | { kind: "policy"; policyId: string | undefined; history?: true }
  | { kind: "help" }
  | { kind: "unknown"; text: string };

/** The text without @mentions (`<at>Reach</at>`), markup or extra spaces, lower-cased verb. */
export function cleanText(text: string | undefined): string {
  return (text ?? "")
    .replace(/<at>[^<]*<\/at>/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&nbsp;/gi, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * A link's arguments: `POLICY-ID`, `POLICY-ID leads`, `leads` (the policy left out) or
 * nothing. A policy id is never taken from the word `leads` after it.
 */
function bindingArgs(args: string[]): { policyId: string | undefined; purpose?: "leads" } {
  const leads = args.length > 0 && args[args.length - 1].toLowerCase() === "leads";
  const rest = leads ? args.slice(0, -1) : args;
  return { policyId: rest[0], ...(leads && { purpose: "leads" as const }) };
}

export function parseChannelCommand(text: string | undefined): ChannelCommand {
  const clean = cleanText(text);
  const [verb = "", ...args] = clean.split(" ");
  switch (verb.toLowerCase()) {
    case "link":
    case "bind":
      return { kind: "link", ...bindingArgs(args) };
    case "binding":
    case "bindings":
    case "status":
      return { kind: "binding" };
    case "unlink":
    case "unbind":
      return { kind: "unlink", ...bindingArgs(args) };
    case "digest":
      return { kind: "digest", policyId: args[0] };
    case "policy":
      // `policy history [POLICY-ID]`: the policy's versions.
      return args[0]?.toLowerCase() === "history"
        ? { kind: "policy", policyId: args[1], history: true }
        : { kind: "policy", policyId: args[0] };
    case "help":
    case "":
      return { kind: "help" };
    default:
      return { kind: "unknown", text: clean };
  }
}

export function parsePersonalCommand(text: string | undefined): PersonalCommand {
  const clean = cleanText(text);
  const lower = clean.toLowerCase();
  if (/^(my cases|my|cases|mine)$/.test(lower)) return { kind: "my_cases" };
  if (/^(my data|data|my record|what do you hold( about me)?\??)$/.test(lower)) {
    return { kind: "my_data" };
  }
  const match = /^case\s*#?\s*(\S+)?$/i.exec(clean);
  if (match) return { kind: "case", caseId: match[1] };
  const history = /^policy\s+history(?:\s+(\S+))?$/i.exec(clean);
  if (history) return { kind: "policy", policyId: history[1], history: true };
  const policy = /^policy(?:\s+(\S+))?$/i.exec(clean);
  if (policy) return { kind: "policy", policyId: policy[1] };
  if (lower === "help" || lower === "" || lower === "hi" || lower === "hello")
    return { kind: "help" };
  return { kind: "unknown", text: clean };
}

export const CHANNEL_HELP = [
  "**Reach in this channel**",
  "- `@Reach link POLICY-ID`: post this policy's cases here (engagement leads)",
  "- `@Reach binding`: which policies post here",
  "- `@Reach unlink POLICY-ID`: stop posting a policy's cases here (engagement leads)",
  "- `@Reach link POLICY-ID leads`: make this the policy's leads' channel, for its weekly digest and escalations (engagement leads)",
  "- `@Reach unlink POLICY-ID leads`: stop posting a policy's digest and escalations here (engagement leads)",
  "- `@Reach digest POLICY-ID`: post this week's digest of the policy now; the policy can be left out where only one is linked here (engagement leads)",
  "- `@Reach policy POLICY-ID`: the policy in plain words — who it covers, when it runs, each rule as a sentence, last week's counts per rule; the policy can be left out where only one is linked here (staff)",
  "- `@Reach policy history POLICY-ID`: every version of the policy, who changed it, when and why; an engagement lead can roll back to one (staff)",
  "Each case arrives as a card: confirm or dismiss it, log contacts, notes and outcomes on the card.",
].join("\n\n");

export const PERSONAL_HELP = [
  "**Reach** — intervention cases from your school's engagement policy.",
  "- `my cases`: the cases assigned to you, and new cases you may take",
  "- `case CASE-ID`: one case in full, with its evidence and history (the id is on its card)",
  "- `policy POLICY-ID`: a policy in plain words, each rule as a sentence, with last week's counts per rule",
  "- `policy history POLICY-ID`: every version of a policy, who changed it, when and why",
  "- `help`: this message",
].join("\n\n");

export const STUDENT_HELP = [
  "**Reach** — your school's student-support app. Your adviser may send you a message here; you can answer it with its buttons or in your own words, or ask Reach to stop.",
  "- `my data`: what Reach uses about you, your current figures, and how to ask for your full record",
  "- `help`: this message",
].join("\n\n");

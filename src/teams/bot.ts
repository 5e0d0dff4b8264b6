/**
 * The Teams bot: a teams-ai `Application` on botbuilder's `TeamsAdapter`. It records where
 * it is installed, lets engagement leads bind a policy to a channel, turns card clicks
 * into case commands made by the person who clicked, and answers advisers in personal
 * chat. Every change goes into the store with its outbox entries; the delivery worker
 * posts and updates the cards.
 */
import {
  Application,
  type TeamsAdapter,
  type AdaptiveCard as TeamsAiCard,
  type TurnState,
} from "@microsoft/teams-ai";
import { type Activity, CardFactory, MessageFactory, type TurnContext } from "botbuilder";
import { readCase } from "../cases/read-case.ts";
import type { Staff } from "../data/schema.ts";
import type { Logger } from "../log.ts";
import type { CaseSummary, StoredCase } from "../store/case-records.ts";
import type { Store } from "../store/store.ts";
import { type Notice, runCardAction, studentOf } from "./case-actions.ts";
import {
  CHANNEL_HELP,
  PERSONAL_HELP,
  parseChannelCommand,
  parsePersonalCommand,
} from "./commands.ts";
import type { DirectoryHolder } from "./directory.ts";
import {
  channelDataOf,
  conversationKindOf,
  installChange,
  recordConversation,
  recordRemoval,
} from "./install.ts";
import type { AdaptiveCard, Presenter } from "./presenter.ts";

export interface BotDeps {
  store: Store;
  directory: DirectoryHolder;
  presenter: Presenter;
  log: Logger;
  now: () => Date;
  /** Called after a change queued outbox entries (wakes the delivery worker). */
  onQueued: () => void;
}

const OPEN_STATUSES = ["proposed", "active", "escalated"] as const;

export function createReachApp(
  adapter: TeamsAdapter,
  botAppId: string | undefined,
  deps: BotDeps,
): Application<TurnState> {
  const { store, log } = deps;
  const app = new Application<TurnState>({
    adapter,
    ...(botAppId !== undefined && { botAppId }),
    removeRecipientMention: true,
    startTypingTimer: false,
    longRunningMessages: false,
  });
  const at = () => deps.now().toISOString();

  app.activity(["conversationUpdate", "installationUpdate"], async (context) => {
    const change = installChange(context.activity);
    if (change === "added") {
      const records = await recordConversation(context, store, at(), log);
      // Teams sends both an installationUpdate and a conversationUpdate: greet once.
      const greet =
        context.activity.type === "conversationUpdate" &&
        conversationKindOf(context.activity) === "channel";
      if (greet && records.length > 0) {
        await context.sendActivity(
          "Hello — I'm **Reach**. I post intervention cases from your school's engagement policy into a channel, where advisers act on them. An engagement lead can choose this channel with `@Reach link <policy-id>`; `@Reach help` lists what I can do.",
        );
      }
    } else if (change === "removed") {
      await recordRemoval(context, store, at(), log);
    }
  });

  app.activity("message", async (context) => {
    const kind = conversationKindOf(context.activity);
    if (kind === "channel") return channelMessage(context, deps);
    if (kind === "personal") return personalMessage(context, deps);
    await context.sendActivity(
      "I work in a team's channel (cases) and in a personal chat (`my cases`, `case <id>`). Group chats aren't supported.",
    );
  });

  // Every verb, so that one this version does not know (an old card's) gets a polite card
  // from runCardAction rather than a 501 that Teams shows as an error.
  app.adaptiveCards.actionExecute<Record<string, unknown>>(/.*/, async (context, _state, data) => {
    try {
      return asTeamsAiCard(await cardAction(context, data, deps));
    } catch (error) {
      // The store is down, say: the clicker still gets an answer, and nothing changed.
      log.error({ error: String(error) }, "a card action failed");
      return asTeamsAiCard(
        deps.presenter.notice(
          "Reach couldn't do that just now",
          "Something went wrong on Reach's side and nothing was changed. Please try again in a moment.",
          "refusal",
        ),
      );
    }
  });

  app.error(async (context, error) => {
    log.error({ error: error.message, activityType: context.activity?.type }, "a turn failed");
    if (context.activity?.type === "message") {
      await context.sendActivity(
        "Sorry — something went wrong on Reach's side. Nothing was changed; please try again.",
      );
    }
  });

  return app;
}

async function cardAction(
  context: TurnContext,
  data: Record<string, unknown>,
  deps: BotDeps,
): Promise<AdaptiveCard> {
  const { store, log } = deps;
  const verb = String(context.activity.value?.action?.verb ?? "");
  const aad = context.activity.from?.aadObjectId;
  const personal = conversationKindOf(context.activity) === "personal";
  const staff = deps.directory.get().staffByAad(aad);
  const reader = personal && staff ? staff.id : null;
  if (verb === "show" || verb === "refresh") return showCase(data, staff, reader, deps);
  const outcome = await runCardAction(verb, data, aad, {
    store,
    directory: deps.directory.get(),
    at: deps.now().toISOString(),
    describe: deps.presenter.describe,
  });
  if (outcome.kind === "missing") {
    return deps.presenter.notice(outcome.title, outcome.text, "refusal");
  }
  log.info(
    {
      caseId: outcome.stored.caseId,
      policyId: outcome.stored.policyId,
      verb,
      outcome: outcome.kind,
    },
    "card action",
  );
  if (outcome.kind === "done") deps.onQueued();
  if (personal && outcome.kind !== "done") {
    // In a personal chat the card is the clicker's own view: a refused or stale click
    // shows the case only to someone who may read it (an audited read).
    return showStored(outcome.stored, staff, staff?.id ?? "", deps, outcome.notice);
  }
  return deps.presenter.caseCard(outcome.stored, reader, outcome.notice);
}

function asTeamsAiCard(card: AdaptiveCard): TeamsAiCard {
  return card as TeamsAiCard;
}

async function channelMessage(context: TurnContext, deps: BotDeps): Promise<void> {
  const { store, log } = deps;
  const directory = deps.directory.get();
  const activity = context.activity;
  const data = channelDataOf(activity);
  const channelId = data.channel?.id ?? activity.conversation.id.split(";")[0];
  const command = parseChannelCommand(activity.text);
  const reply = (text: string) => context.sendActivity(MessageFactory.text(text));
  if (command.kind === "help" || command.kind === "unknown") {
    await reply(
      command.kind === "unknown"
        ? `I don't know “${command.text}”.\n\n${CHANNEL_HELP}`
        : CHANNEL_HELP,
    );
    return;
  }
  if (command.kind === "binding") {
    const bindings = await store.listBindings(channelId);
    if (bindings.length === 0) {
      await reply(
        "No policy posts its cases here yet. An engagement lead can use `@Reach link <policy-id>`.",
      );
      return;
    }
    const lines = bindings.map((b) => {
      const policy = directory.policies.get(b.policyId);
      const by = directory.roster.get(b.boundBy)?.name ?? b.boundBy;
      return `- **${policy?.name ?? b.policyId}** (\`${b.policyId}\`), linked by ${by} on ${b.boundAt.slice(0, 10)}`;
    });
    await reply(`Cases posted in this channel:\n\n${lines.join("\n")}`);
    return;
  }
  const staff = directory.staffByAad(activity.from?.aadObjectId);
  const known = [...directory.policies.keys()].sort();
  const policyId =
    command.policyId ??
    (command.kind === "unlink"
      ? (await store.listBindings(channelId)).map((b) => b.policyId).at(0)
      : undefined);
  if (policyId === undefined) {
    await reply(
      `Which policy? Say \`@Reach ${command.kind} <policy-id>\`. Policies: ${known.map((p) => `\`${p}\``).join(", ") || "none loaded"}.`,
    );
    return;
  }
  const policy = directory.policies.get(policyId);
  if (policy === undefined) {
    await reply(
      `There is no policy \`${policyId}\`. Policies: ${known.map((p) => `\`${p}\``).join(", ") || "none loaded"}.`,
    );
    return;
  }
  const why = leadRefusal(staff, policy.schools);
  if (why !== undefined) {
    log.info(
      { policyId, command: command.kind, from: activity.from?.aadObjectId },
      "binding refused",
    );
    await reply(`Sorry — ${why} Nothing has changed.`);
    return;
  }
  const lead = staff as Staff;
  if (command.kind === "unlink") {
    const existing = await store.getBinding(policyId);
    if (existing === undefined || existing.conversationId !== channelId) {
      await reply(
        `Policy \`${policyId}\` doesn't post its cases here, so there is nothing to unlink.`,
      );
      return;
    }
    await store.removeBinding(policyId);
    log.info({ policyId, conversationId: channelId }, "policy unlinked from a channel");
    await reply(
      `Unlinked: cases of **${policy.name}** won't be posted here any more. New cards wait until the policy is linked to a channel again.`,
    );
    return;
  }
  if ((await store.getConversation(channelId)) === undefined) {
    await recordConversation(context, store, deps.now().toISOString(), log);
  }
  const previous = await store.getBinding(policyId);
  await store.saveBinding({
    policyId,
    conversationId: channelId,
    ...(data.team?.id && { teamId: data.team.id }),
    boundBy: lead.id,
    boundAt: deps.now().toISOString(),
  });
  log.info({ policyId, conversationId: channelId }, "policy linked to a channel");
  const moved =
    previous && previous.conversationId !== channelId
      ? " It was posting to another channel before; new cards come here from now on."
      : "";
  await reply(
    `Linked: cases of **${policy.name}** (\`${policyId}\`) will be posted in this channel.${moved}`,
  );
  deps.onQueued();
}

/** Why `staff` may not bind a policy of these schools, or undefined if they may. */
function leadRefusal(staff: Staff | undefined, schools: readonly string[]): string | undefined {
  if (staff === undefined) {
    return "Reach doesn't know you as a member of staff, and only an engagement lead of the policy's schools can change where its cases go.";
  }
  if (!staff.roles.includes("engagement_lead")) {
    return `only an engagement lead of the policy's schools can change where its cases go, and ${staff.name} is not an engagement lead.`;
  }
  if (!schools.includes(staff.school)) {
    return `only an engagement lead of the policy's schools (${schools.join(", ")}) can change where its cases go.`;
  }
  return undefined;
}

async function personalMessage(context: TurnContext, deps: BotDeps): Promise<void> {
  const { store } = deps;
  const directory = deps.directory.get();
  const activity = context.activity;
  if ((await store.getConversation(activity.conversation.id)) === undefined) {
    await recordConversation(context, store, deps.now().toISOString(), deps.log);
  }
  const command = parsePersonalCommand(activity.text);
  const send = (card: AdaptiveCard) =>
    context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
  if (command.kind === "help" || command.kind === "unknown") {
    await context.sendActivity(
      command.kind === "unknown"
        ? `I don't know “${command.text}”.\n\n${PERSONAL_HELP}`
        : PERSONAL_HELP,
    );
    return;
  }
  const staff = directory.staffByAad(activity.from?.aadObjectId);
  if (staff === undefined) {
    await context.sendActivity(
      "Sorry — Reach doesn't know you as a member of staff, so it can't show you cases. If you support students, ask your engagement lead to add you to the staff roster.",
    );
    return;
  }
  if (command.kind === "my_cases") {
    const open = await store.listCases({ status: [...OPEN_STATUSES] });
    const mine = open.filter(
      (c) =>
        c.assignee === staff.id ||
        (c.status === "proposed" &&
          (directory.students.get(c.studentId)?.adviserIds.includes(staff.id) ?? false)),
    );
    await send(deps.presenter.caseList(staff, mine));
    return;
  }
  if (command.caseId === undefined) {
    await context.sendActivity(
      "Which case? Say `case <id>`, with the id from the card or from `my cases`.",
    );
    return;
  }
  const stored = await findCase(command.caseId, deps);
  if (stored === undefined) {
    await context.sendActivity(`There is no case \`${command.caseId}\`.`);
    return;
  }
  await send(await showStored(stored, staff, staff.id, deps));
}

async function findCase(caseId: string, deps: BotDeps): Promise<StoredCase | undefined> {
  for (const policyId of deps.directory.get().policies.keys()) {
    if (!caseId.startsWith(`${policyId}-`)) continue;
    const stored = await deps.store.getCase(policyId, caseId);
    if (stored) return stored;
  }
  return undefined;
}

async function showCase(
  data: Record<string, unknown>,
  staff: Staff | undefined,
  reader: string | null,
  deps: BotDeps,
): Promise<AdaptiveCard> {
  const caseId = typeof data.caseId === "string" ? data.caseId : "";
  const policyId = typeof data.policyId === "string" ? data.policyId : "";
  const stored = policyId && caseId ? await deps.store.getCase(policyId, caseId) : undefined;
  if (stored === undefined) {
    return deps.presenter.notice("Case not found", "Reach has no such case any more.", "info");
  }
  if (reader === null) return deps.presenter.caseCard(stored, null);
  return showStored(stored, staff, reader, deps);
}

/** A case in full for one reader: authorised and audited like any read. */
async function showStored(
  stored: StoredCase,
  staff: Staff | undefined,
  reader: string,
  deps: BotDeps,
  notice?: Notice,
): Promise<AdaptiveCard> {
  const directory = deps.directory.get();
  const policy = directory.policies.get(stored.policyId);
  if (policy === undefined || staff === undefined) {
    return notice
      ? deps.presenter.notice("Nothing was changed", notice.text, notice.tone)
      : deps.presenter.notice("Case not available", "Reach can't show this case now.", "info");
  }
  const read = readCase(stored.events, reader, deps.now().toISOString(), {
    caseId: stored.caseId,
    student: directory.students.get(studentOf(stored)),
    policy,
    roster: directory.roster,
  });
  await deps.store.appendAudit(stored.policyId, [read.audit]);
  if (!read.allowed) {
    return deps.presenter.notice(
      "Not one of your cases",
      `Sorry, ${staff.name} — you can't see this case: ${read.why}.`,
      "refusal",
    );
  }
  return deps.presenter.caseCard(stored, reader, notice);
}

export type { Activity, CaseSummary, Notice };

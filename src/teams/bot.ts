/**
 * The Teams bot: a teams-ai `Application` on botbuilder's `TeamsAdapter`. It records where
 * it is installed, lets engagement leads bind a policy to a channel, turns card clicks
 * into case commands made by the person who clicked, and answers advisers in personal
 * chat. Every change goes into the store with its outbox entries; the delivery worker
 * posts and updates the cards.
 */
import { Application, type TeamsAdapter, type TurnState } from "@microsoft/teams-ai";
import {
  type Activity,
  ActivityTypes,
  CardFactory,
  MessageFactory,
  type TurnContext,
} from "botbuilder";
import {
  type ActionOutcome,
  actOnCase,
  answerMessage,
  askForDigest,
  breathe,
  type CaseDisplay,
  changeBinding,
  type DigestRequest,
  type DirectoryHolder,
  myCases,
  myData,
  type Notice,
  POLICY_HISTORY_VERB,
  POLICY_PREVIEW_VERB,
  POLICY_ROLLBACK_VERB,
  POLICY_SAVE_VERB,
  POLICY_SHOW_VERB,
  POLICY_STRANGER_TEXT,
  type PolicyEditOutcome,
  type PolicyEditRequest,
  previewPolicyEdit,
  proposeMessage,
  readPolicy,
  readPolicyHistory,
  rollbackPolicy,
  STRANGER_TEXT,
  STUDENT_VERBS,
  savePolicyEdit,
  sendMessage,
  showCaseTo,
  storedIds,
  viewCase,
} from "../app/index.ts";
import { parseCaseId } from "../cases/index.ts";
import type { Dataset } from "../data/dataset.ts";
import type { Staff } from "../data/schema.ts";
import type { Logger } from "../log.ts";
import type { Template } from "../outreach/index.ts";
import type { CaseSummary, Store } from "../store/index.ts";
import {
  renderPolicyCard,
  renderPolicyHistory,
  renderPolicyPreview,
  renderPolicyProblems,
} from "./cards/index.ts";
import {
  CHANNEL_HELP,
  PERSONAL_HELP,
  parseChannelCommand,
  parsePersonalCommand,
  STUDENT_HELP,
} from "./commands.ts";
import {
  channelDataOf,
  conversationKindOf,
  installChange,
  recordConversation,
  recordRemoval,
} from "./install.ts";
import { type AdaptiveCard, CARD_CONTENT_TYPE, type Presenter } from "./presenter.ts";

export interface BotDeps {
  store: Store;
  directory: DirectoryHolder;
  presenter: Presenter;
  log: Logger;
  now: () => Date;
  /** Called after a change queued outbox entries (wakes the delivery worker). */
  onQueued: () => void;
  /** The message templates advisers start from, as loaded now. */
  templates: () => ReadonlyMap<string, Template>;
  /** A school's name as students know it, or its id. */
  schoolName: (schoolId: string) => string;
  /** Reads the policy files again after a lead saved a change from Teams. */
  policiesChanged?: () => Promise<void>;
  /** The data as last imported (a student's `my data`). */
  dataset: () => Dataset | undefined;
  /**
   * Where a digest asked for in a channel reads the data (absent: no data folder), and the
   * data as last imported, which it uses instead of importing again.
   */
  digestData?: DigestRequest["data"];
}

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
      // Teams sends both an installationUpdate and a conversationUpdate, and a client may
      // send them again (the Agents Playground does whenever a page connects): greet a
      // channel once, when Reach joins it, not each time it hears of it again.
      const channel = conversationKindOf(context.activity) === "channel";
      const known = channel
        ? await store.getConversation(context.activity.conversation.id.split(";")[0])
        : undefined;
      const records = await recordConversation(context, store, at(), log);
      const joined = known === undefined || known.removedAt !== undefined;
      const greet = channel && context.activity.type === "conversationUpdate" && joined;
      if (greet && records.length > 0) {
        await context.sendActivity(
          "Hello — I'm **Reach**. I post intervention cases from your school's engagement policy into a channel, where advisers act on them. An engagement lead can choose this channel with `@Reach link POLICY-ID`; `@Reach help` lists what I can do.",
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
      "I work in a team's channel (cases) and in a personal chat (`my cases`, `case CASE-ID`, `my data`). Group chats aren't supported.",
    );
  });

  // Every Action.Execute invoke, whatever its verb and value (a string, a list, nothing):
  // each gets a card back, never a 501 that Teams would show as an error.
  app.addRoute(
    async (context) =>
      context.activity.type === ActivityTypes.Invoke &&
      context.activity.name === "adaptiveCard/action",
    async (context) => {
      let card: AdaptiveCard;
      try {
        card = await cardAction(context, deps);
      } catch (error) {
        // The store is down, say: the clicker still gets an answer, and nothing changed.
        log.error({ error: String(error) }, "a card action failed");
        card = deps.presenter.notice(
          "Reach couldn't do that just now",
          "Something went wrong on Reach's side and nothing was changed. Please try again in a moment.",
          "refusal",
        );
      }
      await context.sendActivity({
        type: ActivityTypes.InvokeResponse,
        value: { status: 200, body: { statusCode: 200, type: CARD_CONTENT_TYPE, value: card } },
      });
    },
    true,
  );

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

async function cardAction(context: TurnContext, deps: BotDeps): Promise<AdaptiveCard> {
  const { log } = deps;
  const activity = context.activity;
  const action: unknown = activity.value?.action;
  const verb: unknown = isRecord(action) ? action.verb : undefined;
  const data: unknown = isRecord(action) ? action.data : undefined;
  const aad = activity.from?.aadObjectId;
  const personal = conversationKindOf(activity) === "personal";
  const directory = deps.directory.get();
  const staff = directory.staffByAad(aad);
  const at = deps.now().toISOString();
  const conversationId = activity.conversation?.id?.split(";")[0];
  if (
    verb === POLICY_PREVIEW_VERB ||
    verb === POLICY_SAVE_VERB ||
    verb === POLICY_SHOW_VERB ||
    verb === POLICY_HISTORY_VERB ||
    verb === POLICY_ROLLBACK_VERB
  ) {
    return policyCardAction(verb, { aad, data, at }, deps);
  }
  if (verb === "show" || verb === "refresh") {
    const shown = await viewCase({
      store: deps.store,
      directory,
      aadObjectId: aad,
      data,
      conversationId,
      personal,
      at,
    });
    return renderView(shown, staff, deps);
  }
  if ((STUDENT_VERBS as readonly unknown[]).includes(verb)) {
    // A student's answer to a message: only ever on their own case (app/student-reply).
    const answered = await answerMessage(
      { aadObjectId: aad, verb, data, at },
      { store: deps.store, directory, describe: deps.presenter.describe },
    );
    log.info({ verb, outcome: answered.kind }, "student answer");
    if (answered.kind === "done") deps.onQueued();
    return deps.presenter.studentThanks(answered.title, answered.text);
  }
  const clicked = { aadObjectId: aad, verb, data, conversationId, at };
  const acting = { store: deps.store, directory, describe: deps.presenter.describe };
  let outcome: ActionOutcome;
  if (verb === "propose_message" || verb === "send_message") {
    const outreach = { ...acting, templates: deps.templates, schoolName: deps.schoolName };
    const drafted =
      verb === "propose_message"
        ? await proposeMessage(clicked, outreach)
        : await sendMessage(clicked, outreach);
    if (drafted.kind === "draft") return deps.presenter.proposeForm(drafted.draft);
    outcome = drafted;
  } else {
    outcome = await actOnCase(clicked, acting);
  }
  if (outcome.kind === "missing") {
    return deps.presenter.notice(outcome.title, outcome.text, "refusal");
  }
  log.info(
    {
      ...(outcome.kind === "done" && {
        caseId: outcome.stored.caseId,
        policyId: outcome.stored.policyId,
      }),
      verb: typeof verb === "string" ? verb.slice(0, 40) : typeof verb,
      outcome: outcome.kind,
    },
    "card action",
  );
  if (outcome.kind === "done") {
    deps.onQueued();
    return deps.presenter.caseCard(
      outcome.stored,
      personal && staff ? staff.id : null,
      outcome.notice,
    );
  }
  if (outcome.show === undefined) {
    return deps.presenter.notice("Nothing was changed", outcome.notice.text, outcome.notice.tone);
  }
  if (personal && staff) {
    // In a personal chat the card is the clicker's own view: an audited read.
    const ids = storedIds(outcome.show);
    const read = await showCaseTo(
      { store: deps.store, directory, staff, caseId: ids.caseId, at },
      ids.policyId,
    );
    return renderView(read, staff, deps, outcome.notice);
  }
  return deps.presenter.caseCard(outcome.show, null, outcome.notice);
}

/**
 * The policy card's change forms: Preview and Save answer the clicker only (the invoke's
 * card replaces theirs); Back shows the policy card again, as `@Reach policy` does.
 */
async function policyCardAction(
  verb: string,
  click: { aad: string | undefined; data: unknown; at: string },
  deps: BotDeps,
): Promise<AdaptiveCard> {
  const directory = deps.directory.get();
  const policyId =
    isRecord(click.data) && typeof click.data.policyId === "string"
      ? click.data.policyId
      : undefined;
  if (verb === POLICY_SHOW_VERB) {
    const read = await readPolicy({
      store: deps.store,
      directory,
      policyId,
      aadObjectId: click.aad,
      at: click.at,
      schoolName: deps.schoolName,
    });
    if (read.kind === "shown") return renderPolicyCard(read.view);
    if (read.kind === "stranger") {
      return deps.presenter.notice("Policy", POLICY_STRANGER_TEXT, "refusal");
    }
    return deps.presenter.notice("Policy", "Reach has no such policy.", "info");
  }
  if (verb === POLICY_HISTORY_VERB) {
    const read = await readPolicyHistory({
      store: deps.store,
      directory,
      policyId,
      aadObjectId: click.aad,
      at: click.at,
    });
    if (read.kind === "shown") return renderPolicyHistory(read.view);
    if (read.kind === "stranger") {
      return deps.presenter.notice("Policy", POLICY_STRANGER_TEXT, "refusal");
    }
    return deps.presenter.notice("Policy", "Reach has no such policy.", "info");
  }
  if (verb === POLICY_ROLLBACK_VERB) {
    const outcome = await rollbackPolicy({
      store: deps.store,
      directory,
      aadObjectId: click.aad,
      data: click.data,
      at: click.at,
      schoolName: deps.schoolName,
    });
    deps.log.info({ verb, outcome: outcome.kind }, "policy rollback");
    if (outcome.kind === "saved") {
      deps.onQueued();
      await deps.policiesChanged?.();
    }
    return policyEditCard(outcome, deps, true);
  }
  const request = {
    store: deps.store,
    directory,
    aadObjectId: click.aad,
    data: click.data,
    at: click.at,
    dataset: deps.dataset(),
    schoolName: deps.schoolName,
    ...importedFor(deps),
  };
  const outcome =
    verb === POLICY_PREVIEW_VERB ? await previewPolicyEdit(request) : await savePolicyEdit(request);
  deps.log.info({ verb, outcome: outcome.kind }, "policy change");
  if (outcome.kind === "saved") {
    deps.onQueued();
    // The bot's own view of the policies (its card, who may act) reads the saved file now,
    // not at the next run.
    await deps.policiesChanged?.();
  }
  return policyEditCard(outcome, deps);
}

/** The import the bot's data came from, for a preview's backtest (where it has outcomes). */
function importedFor(deps: BotDeps): { imported?: PolicyEditRequest["imported"] } {
  const result = deps.digestData?.imported?.();
  if (deps.digestData === undefined || result === undefined) return {};
  return { imported: { source: deps.digestData.source, result, breathe } };
}

function policyEditCard(outcome: PolicyEditOutcome, deps: BotDeps, rollback = false): AdaptiveCard {
  const notice = (title: string, text: string, tone: Notice["tone"]) =>
    deps.presenter.notice(title, text, tone);
  switch (outcome.kind) {
    case "stranger":
      return notice(
        "Nothing was changed",
        "Sorry — Reach doesn't know you as a member of staff, and only an engagement lead of the policy's schools can change a policy.",
        "refusal",
      );
    case "unknown_policy":
      return notice(
        "Nothing was changed",
        outcome.policyId === ""
          ? "The card named no policy."
          : `Reach has no policy “${outcome.policyId}”.`,
        "refusal",
      );
    case "refused":
      return notice(
        "Nothing was changed",
        `Sorry — ${outcome.why} Nothing was changed.`,
        "refusal",
      );
    case "bad_request":
      return notice(
        "Reach couldn't read that change",
        `${outcome.problems.map((p) => capitalise(p)).join(". ")}. Nothing was changed.`,
        "refusal",
      );
    case "no_data":
      return notice(
        "No data to preview on",
        "Reach has no data imported yet, so it can't show what the change would do. Nothing was changed.",
        "info",
      );
    case "unchanged":
      return notice(
        "Nothing to change",
        "The values in the form are the policy's own: saving them would change nothing.",
        "info",
      );
    case "invalid":
      return renderPolicyProblems(
        outcome.policyId,
        "The policy check refused this change:",
        outcome.problems,
      );
    case "does_not_fit":
      return renderPolicyProblems(
        outcome.policyId,
        "The changed policy does not fit the data:",
        outcome.problems,
      );
    case "stale":
      return notice(
        "Nothing was saved",
        rollback
          ? "The policy file changed since this history was shown; ask for the history again."
          : "The policy file changed since your preview; preview again.",
        "stale",
      );
    case "no_version":
      return notice(
        "Nothing was changed",
        `Policy ${outcome.policyId} has no version ${outcome.version}.`,
        "refusal",
      );
    case "previewed":
      return renderPolicyPreview(outcome.preview);
    case "saved":
      return renderPolicyCard(outcome.view, {
        tone: "success",
        text: `Saved${outcome.version === undefined ? "" : ` as version ${outcome.version}`}: ${outcome.summary}. It takes effect at the next run.`,
      });
  }
}

function capitalise(text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
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
    const line = (b: (typeof bindings)[number]) => {
      const policy = directory.policies.get(b.policyId);
      const by = directory.roster.get(b.boundBy)?.name ?? b.boundBy;
      return `- **${policy?.name ?? b.policyId}** (\`${b.policyId}\`), linked by ${by} on ${b.boundAt.slice(0, 10)}`;
    };
    const cases = bindings.filter((b) => b.purpose === undefined).map(line);
    const leads = bindings.filter((b) => b.purpose === "leads").map(line);
    if (cases.length === 0 && leads.length === 0) {
      await reply(
        "No policy posts its cases here yet. An engagement lead can use `@Reach link POLICY-ID`.",
      );
      return;
    }
    const parts = [
      cases.length > 0 ? `Cases posted in this channel:\n\n${cases.join("\n")}` : undefined,
      leads.length > 0
        ? `The leads' channel (weekly digest and escalations) of:\n\n${leads.join("\n")}`
        : undefined,
    ];
    await reply(parts.filter((p) => p !== undefined).join("\n\n"));
    return;
  }
  if (command.kind === "digest") {
    await digestCommand(context, deps, channelId, command.policyId);
    return;
  }
  if (command.kind === "policy") {
    await policyCommand(context, deps, channelId, command.policyId, command.history === true);
    return;
  }
  if ((await store.getConversation(channelId)) === undefined) {
    await recordConversation(context, store, deps.now().toISOString(), log);
  }
  const change = await changeBinding({
    store,
    directory,
    command: command.kind,
    ...(command.purpose !== undefined && { purpose: command.purpose }),
    policyId: command.policyId,
    aadObjectId: activity.from?.aadObjectId,
    channelId,
    teamId: data.team?.id,
    at: deps.now().toISOString(),
  });
  const leads = command.purpose === "leads";
  const suffix = leads ? " leads" : "";
  const list = (known: string[]) => known.map((p) => `\`${p}\``).join(", ") || "none loaded";
  switch (change.kind) {
    case "which_policy":
      await reply(
        `Which policy? Say \`@Reach ${command.kind} POLICY-ID${suffix}\`. Policies: ${list(change.known)}.`,
      );
      return;
    case "unknown_policy":
      await reply(`There is no policy \`${change.policyId}\`. Policies: ${list(change.known)}.`);
      return;
    case "refused":
      log.info({ command: command.kind }, "binding refused");
      await reply(`Sorry — ${change.why} Nothing has changed.`);
      return;
    case "not_linked_here":
      await reply(
        leads
          ? `This is not the leads' channel of policy \`${command.policyId ?? ""}\`, so there is nothing to unlink.`
          : `Policy \`${command.policyId ?? ""}\` doesn't post its cases here, so there is nothing to unlink.`,
      );
      return;
    case "unlinked":
      log.info({ command: command.kind, leads }, "policy unlinked from a channel");
      await reply(
        leads
          ? `Unlinked: the weekly digest and escalations of **${change.policyName}** won't be posted here any more. The digest goes to the policy's own channel until another leads' channel is linked.`
          : `Unlinked: cases of **${change.policyName}** won't be posted here any more. New cards wait until the policy is linked to a channel again.`,
      );
      return;
    case "linked": {
      log.info({ command: command.kind, leads }, "policy linked to a channel");
      const moved = change.movedFrom
        ? leads
          ? " It was going to another channel before; from now on it comes here."
          : " It was posting to another channel before; new cards come here from now on."
        : "";
      await reply(
        leads
          ? `Linked: this is now the leads' channel of **${change.policyName}** (\`${command.policyId}\`): its weekly digest and escalations will be posted here.${moved}`
          : `Linked: cases of **${change.policyName}** (\`${command.policyId}\`) will be posted in this channel.${moved}`,
      );
      deps.onQueued();
      return;
    }
  }
}

/** `digest [POLICY-ID]` in a channel: this week's digest, for an engagement lead. */
async function digestCommand(
  context: TurnContext,
  deps: BotDeps,
  channelId: string,
  policyId: string | undefined,
): Promise<void> {
  const reply = (text: string) => context.sendActivity(MessageFactory.text(text));
  const list = (known: string[]) => known.map((p) => `\`${p}\``).join(", ") || "none loaded";
  const answer = await askForDigest({
    store: deps.store,
    directory: deps.directory.get(),
    policyId,
    aadObjectId: context.activity.from?.aadObjectId,
    channelId,
    at: deps.now().toISOString(),
    data: deps.digestData,
  });
  deps.log.info({ command: "digest", outcome: answer.kind }, "digest asked for");
  switch (answer.kind) {
    case "which_policy":
      await reply(
        `Which policy? Say \`@Reach digest POLICY-ID\`. Policies: ${list(answer.known)}.`,
      );
      return;
    case "unknown_policy":
      await reply(`There is no policy \`${answer.policyId}\`. Policies: ${list(answer.known)}.`);
      return;
    case "refused":
      await reply(`Sorry — ${answer.why} Nothing was posted.`);
      return;
    case "no_data":
      await reply(
        "Reach has no data folder to count from here, so it can't make a digest. Nothing was posted.",
      );
      return;
    case "posted":
      await reply(
        answer.queued
          ? "This week's digest is posted."
          : "This week's digest was already posted today.",
      );
      if (answer.queued) deps.onQueued();
      return;
  }
}

/**
 * `policy [POLICY-ID]` in a channel (the policy linked there may be left out) or `policy
 * POLICY-ID` in a personal chat: the policy in plain words, for any member of staff.
 */
async function policyCommand(
  context: TurnContext,
  deps: BotDeps,
  channelId: string | undefined,
  policyId: string | undefined,
  history: boolean,
): Promise<void> {
  const reply = (text: string) => context.sendActivity(MessageFactory.text(text));
  // Ids go inside backticks: one in the id would end the code span.
  const list = (ids: string[]) => ids.map((p) => `\`${p.replaceAll("`", "'")}\``).join(", ");
  const request = {
    store: deps.store,
    directory: deps.directory.get(),
    policyId,
    aadObjectId: context.activity.from?.aadObjectId,
    ...(channelId !== undefined && { channelId }),
    at: deps.now().toISOString(),
    schoolName: deps.schoolName,
  };
  const answer = history ? await readPolicyHistory(request) : await readPolicy(request);
  deps.log.info(
    { command: history ? "policy history" : "policy", outcome: answer.kind },
    "policy asked for",
  );
  const words = history ? "policy history" : "policy";
  const ask = channelId === undefined ? `\`${words} POLICY-ID\`` : `\`@Reach ${words} POLICY-ID\``;
  switch (answer.kind) {
    case "stranger":
      await reply(POLICY_STRANGER_TEXT);
      return;
    case "which_policy":
      await reply(
        answer.linkedHere.length > 1
          ? `Several policies are linked to this channel: ${list(answer.linkedHere)}. Which one? Say ${ask}.`
          : `Which policy? Say ${ask}. Policies: ${list(answer.known) || "none loaded"}.`,
      );
      return;
    case "unknown_policy":
      await reply(
        `There is no policy ${list([answer.policyId])}. Policies: ${list(answer.known) || "none loaded"}.`,
      );
      return;
    case "shown": {
      const card =
        "versions" in answer.view
          ? renderPolicyHistory(answer.view)
          : renderPolicyCard(answer.view);
      await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
      return;
    }
  }
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
  if (command.kind === "policy") {
    // Staff only; anyone else (a student too) is refused and audited by app/read-policy.
    await policyCommand(context, deps, undefined, command.policyId, command.history === true);
    return;
  }
  const staff = directory.staffByAad(activity.from?.aadObjectId);
  if (staff === undefined && directory.studentByAad(activity.from?.aadObjectId) !== undefined) {
    await studentMessage(context, deps, command.kind);
    return;
  }
  if (command.kind === "help" || command.kind === "unknown") {
    await context.sendActivity(
      command.kind === "unknown"
        ? `I don't know “${command.text}”.\n\n${PERSONAL_HELP}`
        : PERSONAL_HELP,
    );
    return;
  }
  if (command.kind === "my_data") {
    await context.sendActivity(
      "`my data` is for students: it shows a student what Reach holds about them. Say `help` for what you can do.",
    );
    return;
  }
  if (staff === undefined) {
    await context.sendActivity(
      "Sorry — Reach doesn't know you as a member of staff, so it can't show you cases. If you support students, ask your engagement lead to add you to the staff roster.",
    );
    return;
  }
  if (command.kind === "my_cases") {
    await send(
      deps.presenter.caseList(
        staff,
        await myCases({ store, directory, staff, at: deps.now().toISOString() }),
      ),
    );
    return;
  }
  if (command.caseId === undefined) {
    await context.sendActivity(
      "Which case? Say `case` and the case id, from the card or from `my cases`.",
    );
    return;
  }
  const caseId = parseCaseId(command.caseId);
  const read =
    caseId === undefined
      ? ({ kind: "missing" } as const)
      : await showCaseTo({ store, directory, staff, caseId, at: deps.now().toISOString() });
  if (read.kind === "missing") {
    await context.sendActivity(`There is no case \`${command.caseId.slice(0, 100)}\`.`);
    return;
  }
  await send(renderView(read, staff, deps));
}

/**
 * A student in their personal chat: `my data`, or help. What they write otherwise is not
 * taken as a reply (a reply belongs to a message, and goes through its card).
 */
async function studentMessage(
  context: TurnContext,
  deps: BotDeps,
  kind: ReturnType<typeof parsePersonalCommand>["kind"],
): Promise<void> {
  if (kind !== "my_data") {
    const lead =
      kind === "help"
        ? ""
        : "To answer a message from your adviser, use the buttons or the reply box on it.\n\n";
    await context.sendActivity(`${lead}${STUDENT_HELP}`);
    return;
  }
  const shown = await myData({
    store: deps.store,
    directory: deps.directory.get(),
    dataset: deps.dataset(),
    aadObjectId: context.activity.from?.aadObjectId,
    at: deps.now().toISOString(),
    schoolName: deps.schoolName,
  });
  if (shown.kind !== "shown") {
    await context.sendActivity(
      shown.kind === "no_data"
        ? "Reach has no data about you to show yet. Please try again tomorrow."
        : "Sorry — Reach doesn't have you on its list of students, so it has nothing to show you.",
    );
    return;
  }
  await context.sendActivity(
    MessageFactory.attachment(CardFactory.adaptiveCard(deps.presenter.myData(shown.view))),
  );
}

/** A read's outcome as a card: the case for the reader, or a notice naming no student. */
function renderView(
  read: CaseDisplay,
  staff: Staff | undefined,
  deps: BotDeps,
  notice?: Notice,
): AdaptiveCard {
  if (read.kind === "channel") return deps.presenter.caseCard(read.stored, null, notice);
  // A full read: only in the reader's own personal chat.
  if (read.kind === "shown") return deps.presenter.caseCard(read.stored, staff?.id ?? null, notice);
  if (read.kind === "stranger")
    return deps.presenter.notice("Nothing was changed", STRANGER_TEXT, "refusal");
  if (read.kind === "refused") {
    return deps.presenter.notice(
      "Not one of your cases",
      `Sorry${staff ? `, ${staff.name}` : ""} — you can't see this case: ${read.why}.${notice ? " Nothing has changed." : ""}`,
      "refusal",
    );
  }
  return deps.presenter.notice("Case not found", "Reach has no such case.", "info");
}

export type { Activity, CaseSummary, Notice };

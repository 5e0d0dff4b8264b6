/**
 * Reach's one use of Microsoft Graph: making sure it has a 1:1 chat with a user, so that it
 * can message a student who has never opened Reach. Graph v1.0, application permission
 * `TeamsAppInstallation.ReadWriteSelfForUser.All` (Reach may install, read and remove
 * itself for any user, and nothing else); docs/deployment.md ("Messages to students") says
 * how a school grants it.
 *
 * `ensureAppChat` looks for Reach's installation for the user; when there is none it finds
 * Reach in the tenant's app catalogue and installs it for the user (which makes the chat);
 * then it asks for the installation's chat, whose id the Bot Connector accepts as a
 * conversation id. A user Reach cannot reach is an answer (`ok: false` with a reason); a
 * throttled, failing or unreachable Graph is a `ConnectorError` (429 with its Retry-After,
 * or a status the delivery worker retries), so the entry is tried again later.
 *
 * Nothing about the user leaves this module in an error or a detail: the user's id is
 * replaced by `<user>` in Graph's messages, and the details are Graph's error code and
 * message, clipped.
 */
import {
  ClientSecretCredential,
  type ClientSecretCredentialOptions,
  getBearerTokenProvider,
  ManagedIdentityCredential,
  type TokenCredential,
  type TokenCredentialOptions,
} from "@azure/identity";
import { ConnectorError } from "../delivery/index.ts";
import type { ConversationRecord, Json } from "../store/index.ts";

/** Graph v1.0 in the global cloud. */
export const GRAPH_BASE_URL = "https://graph.microsoft.com/v1.0";

/** The token scope for Graph application permissions (client credentials, managed identity). */
export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

/** The Graph application permission Reach needs to install itself for a user. */
export const GRAPH_PERMISSION = "TeamsAppInstallation.ReadWriteSelfForUser.All";

/** Why Graph says Reach cannot have a chat with the user. */
export const APP_CHAT_FAILURE_REASONS = [
  /** Graph has no such user, or the user has no Teams (404 on the user). */
  "no_teams_account",
  /** The tenant's app permission policy does not let the user have Reach (403 on install). */
  "app_blocked",
  /** Reach is installed but Teams will not give it the chat (403 on the chat). */
  "chat_blocked",
  /** Anything else Graph refused (another 4xx), named in the detail. */
  "other",
] as const;
export type AppChatFailureReason = (typeof APP_CHAT_FAILURE_REASONS)[number];

export type AppChatResult =
  | { ok: true; chatId: string; installedNow: boolean }
  | { ok: false; reason: AppChatFailureReason; detail: string };

export interface GraphClientOptions {
  /** A Graph access token (application permissions); called before every request. */
  getToken(): Promise<string>;
  /**
   * Reach's id in its manifest (appPackage/manifest.json `id`, which is the bot's app id):
   * Graph calls it the app's `externalId`.
   */
  appExternalId: string;
  /** `https://graph.microsoft.com/v1.0` unless given (a fake in tests, a national cloud). */
  baseUrl?: string;
  /**
   * Reach's id in the tenant's app catalogue, when it is known. Otherwise Reach learns it
   * from any installation it sees, from `catalogueHintUsers`, or by reading the catalogue.
   */
  catalogueAppId?: string;
  /**
   * Users who have Reach installed already (advisers with a personal chat with Reach):
   * their installation names Reach's catalogue id, with the one permission Reach has.
   * Asked only while the catalogue id is not known, and only the first few.
   */
  catalogueHintUsers?: () => Promise<readonly string[]>;
  /** One request's time limit, in milliseconds (30 s unless given). */
  timeoutMs?: number;
  /** The fetch to use (the global one unless given). */
  fetch?: typeof fetch;
}

/** How many hint users are asked for the catalogue id before reading the catalogue. */
const HINT_USERS_TRIED = 3;
const DEFAULT_TIMEOUT_MS = 30_000;
/** Retry-After when Graph lists the installation it has just made only a moment later. */
const NOT_YET_LISTED_RETRY_MS = 5_000;
const MAX_DETAIL = 300;

/** What Graph answered, read once. */
interface GraphResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: Graph's JSON, read field by field below
  body: any;
}

interface Installation {
  id: string;
  catalogueAppId?: string;
}

/** Answered early from a step: the user cannot be reached. */
class Unreachable {
  constructor(
    readonly reason: AppChatFailureReason,
    readonly detail: string,
  ) {}
}

export class GraphClient {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private knownCatalogueAppId: string | undefined;

  constructor(private readonly options: GraphClientOptions) {
    this.baseUrl = (options.baseUrl ?? GRAPH_BASE_URL).replace(/\/+$/, "");
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.knownCatalogueAppId = options.catalogueAppId;
  }

  /** Reach's id in the tenant's app catalogue, as far as this client knows it. */
  get catalogueAppId(): string | undefined {
    return this.knownCatalogueAppId;
  }

  /**
   * Makes sure Reach is installed for the user and answers the id of their 1:1 chat with
   * Reach. Throws `ConnectorError` when Graph is throttling (429, with `retryAfterMs`),
   * failing (5xx) or unreachable: the caller tries again later.
   */
  async ensureAppChat(userAadObjectId: string): Promise<AppChatResult> {
    const user = userAadObjectId.trim();
    // A path segment of "." or ".." would be resolved away by URL parsing, encoded or not.
    if (user === "" || user === "." || user === "..") {
      return { ok: false, reason: "other", detail: "InvalidUserId: not a user id" };
    }
    const redact = (text: string) => redacted(text, user);
    try {
      let installation = await this.findInstallation(user, "user", redact);
      let installedNow = false;
      if (installation === undefined) {
        const catalogueAppId = await this.resolveCatalogueAppId(user, redact);
        installedNow = await this.install(user, catalogueAppId, redact);
        installation = await this.findInstallation(user, "user", redact);
        if (installation === undefined) {
          throw new ConnectorError(
            "Graph: Reach is installed for the user but not listed yet",
            503,
            NOT_YET_LISTED_RETRY_MS,
          );
        }
      }
      const chatId = await this.chatOf(user, installation.id, redact);
      return { ok: true, chatId, installedNow };
    } catch (error) {
      if (error instanceof Unreachable) {
        return { ok: false, reason: error.reason, detail: error.detail };
      }
      throw error;
    }
  }

  /**
   * Reach's installation for the user. `asked` says what a 404 means: for the user being
   * reached, that Graph has no such Teams user; for a hint user, only that they cannot help.
   */
  private async findInstallation(
    user: string,
    asked: "user" | "hint",
    redact: (text: string) => string,
  ): Promise<Installation | undefined> {
    const filter = `teamsApp/externalId eq ${odataString(this.options.appExternalId)}`;
    const response = await this.request(
      "GET",
      `/users/${segment(user)}/teamwork/installedApps?$expand=teamsApp&$filter=${encodeURIComponent(filter)}`,
      undefined,
      redact,
    );
    if (response.status !== 200) {
      if (asked === "hint") return undefined;
      throw new Unreachable(
        response.status === 404 ? "no_teams_account" : "other",
        graphDetail(response, redact),
      );
    }
    const found = (Array.isArray(response.body?.value) ? response.body.value : []).find(
      // biome-ignore lint/suspicious/noExplicitAny: an installation as Graph lists it
      (i: any) =>
        typeof i?.id === "string" &&
        (i.teamsApp?.externalId === undefined ||
          i.teamsApp.externalId === this.options.appExternalId),
    );
    if (found === undefined) return undefined;
    const catalogueAppId =
      typeof found.teamsApp?.id === "string" && found.teamsApp.id !== ""
        ? found.teamsApp.id
        : undefined;
    if (catalogueAppId !== undefined) this.knownCatalogueAppId ??= catalogueAppId;
    return { id: found.id, ...(catalogueAppId !== undefined && { catalogueAppId }) };
  }

  /** Reach's catalogue id: known, learned from a hint user's installation, or looked up. */
  private async resolveCatalogueAppId(
    user: string,
    redact: (text: string) => string,
  ): Promise<string> {
    if (this.knownCatalogueAppId !== undefined) return this.knownCatalogueAppId;
    const hints = (await this.options.catalogueHintUsers?.()) ?? [];
    const others = [...new Set(hints)].filter((h) => h.trim() !== "" && h !== user);
    for (const hint of others.slice(0, HINT_USERS_TRIED)) {
      const redactBoth = (text: string) => redact(redacted(text, hint));
      const found = await this.findInstallation(hint, "hint", redactBoth);
      if (found?.catalogueAppId !== undefined) return found.catalogueAppId;
    }
    const filter = `externalId eq ${odataString(this.options.appExternalId)}`;
    const response = await this.request(
      "GET",
      `/appCatalogs/teamsApps?$filter=${encodeURIComponent(filter)}`,
      undefined,
      redact,
    );
    if (response.status !== 200) {
      throw new Unreachable("other", `app catalogue: ${graphDetail(response, redact)}`);
    }
    const app = (Array.isArray(response.body?.value) ? response.body.value : []).find(
      // biome-ignore lint/suspicious/noExplicitAny: a teamsApp as Graph lists it
      (a: any) => typeof a?.id === "string" && a.id !== "",
    );
    if (app === undefined) {
      throw new Unreachable(
        "other",
        "AppNotInCatalogue: Reach is not in the tenant's Teams app catalogue",
      );
    }
    this.knownCatalogueAppId = app.id;
    return app.id;
  }

  /** Installs Reach for the user: true when this call installed it, false when it already was. */
  private async install(
    user: string,
    catalogueAppId: string,
    redact: (text: string) => string,
  ): Promise<boolean> {
    const response = await this.request(
      "POST",
      `/users/${segment(user)}/teamwork/installedApps`,
      { "teamsApp@odata.bind": `${this.baseUrl}/appCatalogs/teamsApps/${segment(catalogueAppId)}` },
      redact,
    );
    if (response.status === 201 || response.status === 200) return true;
    if (response.status === 409) return false;
    if (response.status === 403) {
      throw new Unreachable("app_blocked", graphDetail(response, redact));
    }
    // The user was found a moment ago, so anything else is about the app: a catalogue id
    // learned earlier may be stale (Reach uploaded again), so it is looked up next time.
    this.knownCatalogueAppId = this.options.catalogueAppId;
    throw new Unreachable("other", graphDetail(response, redact));
  }

  private async chatOf(
    user: string,
    installationId: string,
    redact: (text: string) => string,
  ): Promise<string> {
    const response = await this.request(
      "GET",
      `/users/${segment(user)}/teamwork/installedApps/${segment(installationId)}/chat`,
      undefined,
      redact,
    );
    if (response.status === 403) {
      throw new Unreachable("chat_blocked", graphDetail(response, redact));
    }
    if (response.status !== 200) throw new Unreachable("other", graphDetail(response, redact));
    const id = response.body?.id;
    if (typeof id !== "string" || id === "") {
      throw new ConnectorError("Graph answered the chat without an id", 502);
    }
    return id;
  }

  /**
   * One Graph request. Answers 2xx and 4xx; throws `ConnectorError` for 429, 5xx and
   * network failures (statuses the delivery worker retries).
   */
  private async request(
    method: "GET" | "POST",
    path: string,
    body: Record<string, unknown> | undefined,
    redact: (text: string) => string,
  ): Promise<GraphResponse> {
    let token: string;
    try {
      token = await this.options.getToken();
    } catch (error) {
      throw new ConnectorError(`Graph token: ${clip(redact(errorText(error)))}`, 503);
    }
    let response: Response;
    try {
      response = await this.fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(body !== undefined && { "content-type": "application/json" }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        redirect: "error",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new ConnectorError(`Graph network error: ${clip(redact(errorText(error)))}`, 503);
    }
    const text = await response.text().catch(() => "");
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const answer: GraphResponse = {
      status: response.status,
      headers: response.headers,
      body: parsed,
    };
    if (response.status === 429 || response.status >= 500) {
      const detail = graphDetail(answer, redact);
      // A 5xx the worker would not retry on its own (501, 505, …) is passed on as 503.
      const status = [429, 500, 502, 503, 504].includes(response.status) ? response.status : 503;
      throw new ConnectorError(
        `Graph ${response.status} (${method} ${stepName(path)}): ${detail}`,
        status,
        retryAfterMs(response.headers.get("retry-after")),
      );
    }
    return answer;
  }
}

// --- Tokens --------------------------------------------------------------------------------

/** The bot's identity, as Reach's configuration has it (`MicrosoftApp*`). */
export interface GraphAuth {
  /** The bot's app id: the client id of its app registration or managed identity. */
  appId: string;
  appType: "MultiTenant" | "SingleTenant" | "UserAssignedMSI";
  /** The app registration's client secret (not with a managed identity). */
  appPassword?: string;
  /**
   * The school's Entra tenant id. Required with an app registration: Graph tokens for
   * application permissions are issued by the tenant whose data they reach (for a
   * MultiTenant bot, the school's tenant, e.g. the `tenantId` of its conversations).
   */
  tenantId?: string;
}

export interface GraphTokenOptions {
  /** `https://graph.microsoft.com/.default` unless given. */
  scope?: string;
  /** The Entra authority host (`https://login.microsoftonline.com` unless given). */
  authorityHost?: string;
  /** Passed to @azure/identity's credential (an HTTP client, instance discovery, retries). */
  credentialOptions?: TokenCredentialOptions &
    Pick<ClientSecretCredentialOptions, "disableInstanceDiscovery">;
}

/**
 * The credential Reach gets Graph tokens with: the managed identity (`UserAssignedMSI`,
 * no secret) or the app registration's client secret (client credentials grant).
 */
export function graphCredential(auth: GraphAuth, options: GraphTokenOptions = {}): TokenCredential {
  const common = {
    ...options.credentialOptions,
    ...(options.authorityHost !== undefined && { authorityHost: options.authorityHost }),
  };
  if (auth.appType === "UserAssignedMSI") {
    return new ManagedIdentityCredential({ ...common, clientId: auth.appId });
  }
  if (auth.tenantId === undefined || auth.tenantId.trim() === "") {
    throw new Error(
      "Graph needs the school's Entra tenant id to get a token for the bot's app registration (MicrosoftAppTenantId)",
    );
  }
  if (auth.appPassword === undefined || auth.appPassword === "") {
    throw new Error("Graph needs the bot's client secret (MicrosoftAppPassword)");
  }
  return new ClientSecretCredential(auth.tenantId, auth.appId, auth.appPassword, common);
}

/**
 * `getToken` for `GraphClient` in production: a Graph access token for the bot's
 * identity. @azure/identity keeps the token and renews it before it expires.
 */
export function graphTokenProvider(
  auth: GraphAuth,
  options: GraphTokenOptions = {},
): () => Promise<string> {
  return getBearerTokenProvider(graphCredential(auth, options), options.scope ?? GRAPH_SCOPE);
}

// --- The conversation Reach records -------------------------------------------------------

/** A personal chat Reach made with a user through Graph. */
export interface PersonalChat {
  /** The chat's id from Graph (`19:…@unq.gbl.spaces`): the Bot Connector's conversation id. */
  chatId: string;
  /** The Bot Connector's address for the tenant (a recorded conversation's `serviceUrl`). */
  serviceUrl: string;
  tenantId: string;
  /** The bot's app id (a GUID), or its Teams id `28:<app id>`. */
  botId: string;
  botName: string;
  userAadObjectId: string;
}

/**
 * The conversation reference for a personal chat Reach made: the same shape
 * src/teams/install.ts records when a user installs Reach in a personal chat (the bot, the
 * conversation with its type and tenant, the channel and service URL; no user, since a
 * proactive message is from the bot to the conversation).
 */
export function personalConversationReference(chat: PersonalChat): Json {
  const botId = chat.botId.startsWith("28:") ? chat.botId : `28:${chat.botId}`;
  return {
    bot: { id: botId, name: chat.botName },
    conversation: { conversationType: "personal", tenantId: chat.tenantId, id: chat.chatId },
    channelId: "msteams",
    serviceUrl: chat.serviceUrl,
  };
}

/** The store's record of that chat (kind `personal`, the user's AAD object id). */
export function personalConversationRecord(chat: PersonalChat, at: string): ConversationRecord {
  return {
    id: chat.chatId,
    kind: "personal",
    tenantId: chat.tenantId,
    userAadObjectId: chat.userAadObjectId,
    reference: personalConversationReference(chat),
    updatedAt: at,
  };
}

// --- Helpers ------------------------------------------------------------------------------

/** One path segment: everything that could end or change the path is percent-encoded. */
function segment(value: string): string {
  return encodeURIComponent(value);
}

/** An OData string literal: quoted, quotes doubled. */
function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** The step a path is, for messages (never the ids in it). */
function stepName(path: string): string {
  if (path.startsWith("/appCatalogs/")) return "app catalogue";
  if (path.endsWith("/chat")) return "installation chat";
  return "installed apps";
}

/** Graph's error code and message (`{ error: { code, message } }`), user id removed, clipped. */
function graphDetail(response: GraphResponse, redact: (text: string) => string): string {
  const error = response.body?.error;
  const code =
    typeof error?.code === "string" && error.code !== "" ? error.code : `HTTP ${response.status}`;
  const message = typeof error?.message === "string" ? error.message : "";
  return clip(redact(message === "" ? code : `${code}: ${message}`));
}

function redacted(text: string, user: string): string {
  let out = text;
  for (const form of new Set([user, encodeURIComponent(user)])) {
    if (form === "") continue;
    const escaped = form.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    out = out.replace(new RegExp(escaped, "gi"), "<user>");
  }
  // An address in Graph's message is someone's: it is not repeated.
  return out.replace(/[^\s'"<>@]+@[^\s'"<>@]+\.[^\s'"<>@]+/g, "<address>");
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL - 1)}…` : line;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A Retry-After header (seconds, or an HTTP date) in milliseconds. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

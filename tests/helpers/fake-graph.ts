/**
 * A recording fake of the Microsoft Graph endpoints Reach uses to have a 1:1 chat with a
 * user (src/teams/graph.ts), on loopback, one instance per test. Under `/v1.0`:
 *
 * - `GET /users/:user/teamwork/installedApps[?$expand=teamsApp][&$filter=teamsApp/externalId eq '…']`
 * - `POST /users/:user/teamwork/installedApps` with `{"teamsApp@odata.bind": ".../appCatalogs/teamsApps/:id"}`:
 *   201 (no body), 409 when already installed;
 * - `GET /users/:user/teamwork/installedApps/:installation/chat`: `{ id, chatType }`;
 * - `GET /appCatalogs/teamsApps[?$filter=externalId eq '…']`;
 *
 * and Entra ID's endpoints a token provider calls (src/teams/graph.ts `graphTokenProvider`):
 * `GET /:tenant/v2.0/.well-known/openid-configuration`, `POST /:tenant/oauth2/v2.0/token`
 * (client credentials), and App Service's managed identity endpoint `GET /msi/token`.
 *
 * Every request is recorded (method, raw path, decoded user id, body, Authorization).
 * Graph requests need a bearer token the fake accepts (`token`, or one it issued), else 401.
 * Path segments are split on the raw path, then percent-decoded one by one, so an encoded
 * `/`, `?` or `#` in a user id stays inside its segment, as it does in Graph.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TokenCredentialOptions } from "@azure/identity";

/** How a user behaves. */
export type FakeGraphUserMode =
  /** A Teams user Reach may be installed for. */
  | "ok"
  /** 404 on every request about the user (no such user, or no Teams). */
  | "no_teams_account"
  /** 403 on install (the tenant's app permission policy blocks Reach for them). */
  | "app_blocked"
  /** 403 on the installation's chat. */
  | "chat_blocked"
  /** The first request about the user gets 429 with Retry-After, then as `ok`. */
  | "throttled_once";

export type FakeGraphRoute =
  | "list_installed"
  | "install"
  | "chat"
  | "catalogue"
  | "openid_configuration"
  | "token"
  | "msi_token"
  | "unknown";

export interface FakeGraphRequest {
  seq: number;
  method: string;
  /** The raw (encoded) path and query, as requested. */
  path: string;
  /** The raw path without the query. */
  pathname: string;
  /** The query, decoded. */
  query: Record<string, string>;
  route: FakeGraphRoute;
  /** The user the request is about, decoded from its one path segment. */
  userId?: string;
  installationId?: string;
  authorization?: string;
  /** JSON bodies parsed; form bodies (token requests) as an object of fields. */
  // biome-ignore lint/suspicious/noExplicitAny: a recorded body, inspected by tests
  body: any;
  /** Request headers, lower-cased names. */
  headers: Record<string, string>;
  status: number;
}

export interface FakeGraphOptions {
  /** Reach's manifest id (the app's `externalId` in the catalogue). */
  appExternalId: string;
  /** Reach's id in the tenant's app catalogue (a fresh GUID unless given). */
  catalogueAppId?: string;
  /**
   * The catalogue: `listed` (Reach is in it), `empty` (Reach was never uploaded),
   * `forbidden` (403: reading it needs a permission Reach was not granted).
   */
  catalogue?: "listed" | "empty" | "forbidden";
  /** A bearer token Graph accepts besides those the token endpoints issue. */
  token?: string;
  /** The client secret the token endpoint accepts (any client id). */
  clientSecret?: string;
  /** The Retry-After (seconds) of a `throttled_once` user's 429. */
  retryAfterSeconds?: number;
}

export interface FakeGraph {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Graph's base URL: `<url>/v1.0`. */
  graphUrl: string;
  /** What Reach's token provider uses as its authority host (routed here by `identityHttpClient`). */
  authorityHost: string;
  /**
   * An HTTP client for @azure/identity that sends every request (the authority host is
   * https, as MSAL requires) to this fake instead.
   */
  identityHttpClient: NonNullable<TokenCredentialOptions["httpClient"]>;
  catalogueAppId: string;
  /** The bearer token Graph accepts without the token endpoints. */
  token: string;
  readonly requests: FakeGraphRequest[];
  /** Requests of one route (about one user, when given). */
  requestsOf(route: FakeGraphRoute, userId?: string): FakeGraphRequest[];
  addUser(userId: string, mode?: FakeGraphUserMode, options?: { installed?: boolean }): void;
  /** Reach's installation id for the user, if installed. */
  installationOf(userId: string): string | undefined;
  /** The chat id the user's installation has. */
  chatIdOf(userId: string): string;
  /** The bearer tokens issued by the token endpoints, in order. */
  readonly issuedTokens: string[];
  clear(): void;
  close(): Promise<void>;
}

interface UserState {
  mode: FakeGraphUserMode;
  installed: boolean;
  throttled: boolean;
}

const GRAPH_PREFIX = "/v1.0";

export async function startFakeGraph(options: FakeGraphOptions): Promise<FakeGraph> {
  const catalogueAppId = options.catalogueAppId ?? randomUUID();
  const catalogue = options.catalogue ?? "listed";
  const token = options.token ?? "fake-graph-token";
  const clientSecret = options.clientSecret ?? "fake-client-secret";
  const retryAfterSeconds = options.retryAfterSeconds ?? 2;
  const authorityHost = "https://login.fake-graph.test";
  const users = new Map<string, UserState>();
  const accepted = new Set([token]);
  const issuedTokens: string[] = [];
  const requests: FakeGraphRequest[] = [];
  let seq = 0;

  const installationId = (userId: string) =>
    Buffer.from(`${userId}##${catalogueAppId}`, "utf8").toString("base64url");
  const chatIdOf = (userId: string) => `19:${userId}_${options.appExternalId}@unq.gbl.spaces`;
  const teamsApp = () => ({
    id: catalogueAppId,
    externalId: options.appExternalId,
    displayName: "Reach",
    distributionMethod: "organization",
  });
  const graphError = (code: string, message: string) => ({ error: { code, message } });

  type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

  /** Graph: the user (and their throttling, once) before anything about them. */
  function userGate(userId: string): Answer | UserState {
    const user = users.get(userId);
    if (user === undefined || user.mode === "no_teams_account") {
      return {
        status: 404,
        body: graphError("NotFound", `User '${userId}' was not found or has no Teams license.`),
      };
    }
    if (user.mode === "throttled_once" && !user.throttled) {
      user.throttled = true;
      return {
        status: 429,
        headers: { "retry-after": String(retryAfterSeconds) },
        body: graphError("TooManyRequests", "Too many requests. Retry later."),
      };
    }
    return user;
  }

  /** The route and ids of a Graph request, without answering it. */
  function classify(segments: string[], record: Partial<FakeGraphRequest>): void {
    if (segments.length === 2 && segments[0] === "appCatalogs" && segments[1] === "teamsApps") {
      record.route = "catalogue";
    } else if (segments[0] === "users" && segments.length >= 2) {
      record.userId = segments[1];
      if (segments.length === 6) record.installationId = segments[4];
      record.route = segments.length === 6 ? "chat" : "list_installed";
    } else {
      record.route = "unknown";
    }
  }

  function answerGraph(
    method: string,
    segments: string[],
    query: Record<string, string>,
    // biome-ignore lint/suspicious/noExplicitAny: the request's JSON
    body: any,
    record: Partial<FakeGraphRequest>,
  ): Answer {
    // /appCatalogs/teamsApps
    if (segments.length === 2 && segments[0] === "appCatalogs" && segments[1] === "teamsApps") {
      record.route = "catalogue";
      if (method !== "GET") return { status: 405, body: graphError("MethodNotAllowed", method) };
      if (catalogue === "forbidden") {
        return {
          status: 403,
          body: graphError("Forbidden", "Missing role permissions on the request."),
        };
      }
      const filter = query.$filter;
      const wanted = filter === undefined ? undefined : /^externalId eq '(.*)'$/.exec(filter);
      if (filter !== undefined && wanted === null) {
        return { status: 400, body: graphError("BadRequest", "Unsupported filter.") };
      }
      const apps = catalogue === "listed" ? [teamsApp()] : [];
      const externalId = wanted?.[1].replaceAll("''", "'");
      return {
        status: 200,
        body: {
          value: apps.filter((a) => externalId === undefined || a.externalId === externalId),
        },
      };
    }
    // /users/:user/teamwork/installedApps[/:installation/chat]
    if (
      segments[0] !== "users" ||
      segments[2] !== "teamwork" ||
      segments[3] !== "installedApps" ||
      !(segments.length === 4 || (segments.length === 6 && segments[5] === "chat"))
    ) {
      record.route = "unknown";
      return { status: 404, body: graphError("UnknownRoute", "No such route.") };
    }
    const userId = segments[1];
    record.userId = userId;
    if (segments.length === 6) {
      record.route = "chat";
      record.installationId = segments[4];
      if (method !== "GET") return { status: 405, body: graphError("MethodNotAllowed", method) };
      const gate = userGate(userId);
      if (!("mode" in gate)) return gate;
      if (!gate.installed || segments[4] !== installationId(userId)) {
        return { status: 404, body: graphError("NotFound", "The installation was not found.") };
      }
      if (gate.mode === "chat_blocked") {
        return {
          status: 403,
          body: graphError("Forbidden", "The chat with the app is blocked for this user."),
        };
      }
      return {
        status: 200,
        body: { id: chatIdOf(userId), chatType: "oneOnOne", tenantId: "fake-tenant" },
      };
    }
    if (method === "GET") {
      record.route = "list_installed";
      const gate = userGate(userId);
      if (!("mode" in gate)) return gate;
      const filter = query.$filter;
      const wanted =
        filter === undefined ? undefined : /^teamsApp\/externalId eq '(.*)'$/.exec(filter);
      if (filter !== undefined && wanted === null) {
        return { status: 400, body: graphError("BadRequest", "Unsupported filter.") };
      }
      const externalId = wanted?.[1].replaceAll("''", "'");
      const expand = query.$expand === "teamsApp";
      const matches =
        gate.installed && (externalId === undefined || externalId === options.appExternalId);
      return {
        status: 200,
        body: {
          value: matches
            ? [{ id: installationId(userId), ...(expand && { teamsApp: teamsApp() }) }]
            : [],
        },
      };
    }
    if (method === "POST") {
      record.route = "install";
      const gate = userGate(userId);
      if (!("mode" in gate)) return gate;
      const bind =
        typeof body?.["teamsApp@odata.bind"] === "string" ? body["teamsApp@odata.bind"] : "";
      const bound = /\/appCatalogs\/teamsApps\/([^/?#]+)$/.exec(bind);
      if (bound === null) {
        return { status: 400, body: graphError("BadRequest", "teamsApp@odata.bind is missing.") };
      }
      if (decodeURIComponent(bound[1]) !== catalogueAppId || catalogue === "empty") {
        return { status: 404, body: graphError("NotFound", "The app was not found.") };
      }
      if (gate.mode === "app_blocked") {
        return {
          status: 403,
          body: graphError(
            "Forbidden",
            "The app is blocked by the tenant's app permission policy for this user.",
          ),
        };
      }
      if (gate.installed) {
        return { status: 409, body: graphError("Conflict", "The app is already installed.") };
      }
      gate.installed = true;
      return { status: 201 };
    }
    record.route = "unknown";
    return { status: 405, body: graphError("MethodNotAllowed", method) };
  }

  function answerIdentity(
    method: string,
    segments: string[],
    query: Record<string, string>,
    // biome-ignore lint/suspicious/noExplicitAny: the request's form fields
    form: any,
    headers: Record<string, string>,
    record: Partial<FakeGraphRequest>,
  ): Answer | undefined {
    const issue = () => {
      const issued = `fake-issued-token-${issuedTokens.length + 1}`;
      issuedTokens.push(issued);
      accepted.add(issued);
      return issued;
    };
    // /msi/token: App Service's managed identity endpoint (IDENTITY_ENDPOINT).
    if (segments.length === 2 && segments[0] === "msi" && segments[1] === "token") {
      record.route = "msi_token";
      if (headers["x-identity-header"] === undefined) {
        return { status: 400, body: { error: "invalid_request", error_description: "header" } };
      }
      const expiresOn = Math.floor(Date.now() / 1000) + 3600;
      return {
        status: 200,
        body: {
          access_token: issue(),
          expires_on: String(expiresOn),
          resource: query.resource,
          token_type: "Bearer",
          client_id: query.client_id,
        },
      };
    }
    // /:tenant/v2.0/.well-known/openid-configuration
    if (
      segments.length === 4 &&
      segments[1] === "v2.0" &&
      segments[2] === ".well-known" &&
      segments[3] === "openid-configuration"
    ) {
      record.route = "openid_configuration";
      const tenant = encodeURIComponent(segments[0]);
      const base = `${authorityHost}/${tenant}`;
      return {
        status: 200,
        body: {
          token_endpoint: `${base}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          jwks_uri: `${base}/discovery/v2.0/keys`,
          issuer: `${base}/v2.0`,
        },
      };
    }
    // /:tenant/oauth2/v2.0/token: the client credentials grant.
    if (
      segments.length === 4 &&
      segments[1] === "oauth2" &&
      segments[2] === "v2.0" &&
      segments[3] === "token"
    ) {
      record.route = "token";
      if (method !== "POST" || form?.grant_type !== "client_credentials") {
        return { status: 400, body: { error: "unsupported_grant_type" } };
      }
      if (form.client_secret !== clientSecret) {
        return {
          status: 401,
          body: {
            error: "invalid_client",
            error_description: "AADSTS7000215: Invalid client secret.",
          },
        };
      }
      return {
        status: 200,
        body: {
          token_type: "Bearer",
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: issue(),
        },
      };
    }
    return undefined;
  }

  const server: Server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const rawUrl = req.url ?? "/";
      const q = rawUrl.indexOf("?");
      const pathname = q < 0 ? rawUrl : rawUrl.slice(0, q);
      const query = Object.fromEntries(new URLSearchParams(q < 0 ? "" : rawUrl.slice(q + 1)));
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string") headers[name] = value;
      }
      const contentType = headers["content-type"] ?? "";
      // biome-ignore lint/suspicious/noExplicitAny: a JSON or form body
      let body: any;
      if (raw !== "") {
        if (contentType.includes("application/x-www-form-urlencoded")) {
          body = Object.fromEntries(new URLSearchParams(raw));
        } else {
          try {
            body = JSON.parse(raw);
          } catch {
            body = raw;
          }
        }
      }
      const record: Partial<FakeGraphRequest> = {};
      let answer: Answer;
      let segments: string[] | undefined;
      try {
        segments = pathname.split("/").slice(1).map(decodeURIComponent);
      } catch {
        segments = undefined;
      }
      if (segments === undefined) {
        record.route = "unknown";
        answer = { status: 400, body: { error: "bad path" } };
      } else if (pathname.startsWith(`${GRAPH_PREFIX}/`)) {
        const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1];
        const graphSegments = segments.slice(1);
        classify(graphSegments, record);
        // Refused before anything changes (an install, a user's one 429).
        answer =
          bearer === undefined || !accepted.has(bearer)
            ? {
                status: 401,
                body: graphError("InvalidAuthenticationToken", "Access token is empty or invalid."),
              }
            : answerGraph(req.method ?? "GET", graphSegments, query, body, record);
      } else {
        answer = answerIdentity(req.method ?? "GET", segments, query, body, headers, record) ?? {
          status: 404,
          body: { error: "not_found" },
        };
        record.route ??= "unknown";
      }
      requests.push({
        seq: ++seq,
        method: req.method ?? "GET",
        path: rawUrl,
        pathname,
        query,
        route: record.route ?? "unknown",
        ...(record.userId !== undefined && { userId: record.userId }),
        ...(record.installationId !== undefined && { installationId: record.installationId }),
        ...(headers.authorization !== undefined && { authorization: headers.authorization }),
        body,
        headers,
        status: answer.status,
      });
      res.statusCode = answer.status;
      for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
      if (answer.body === undefined) {
        res.end();
      } else {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(answer.body));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const identityHttpClient: FakeGraph["identityHttpClient"] = {
    async sendRequest(request) {
      const target = new URL(request.url);
      const headers: Record<string, string> = {};
      for (const [name, value] of request.headers) headers[name] = value;
      const response = await fetch(`${url}${target.pathname}${target.search}`, {
        method: request.method,
        headers,
        ...(typeof request.body === "string" && { body: request.body }),
      });
      const answered = new Map<string, string>();
      for (const [name, value] of response.headers) answered.set(name.toLowerCase(), value);
      return {
        request,
        status: response.status,
        headers: plainHeaders(answered),
        bodyAsText: await response.text(),
      };
    },
  };

  return {
    url,
    graphUrl: `${url}${GRAPH_PREFIX}`,
    authorityHost,
    identityHttpClient,
    catalogueAppId,
    token,
    requests,
    requestsOf: (route, userId) =>
      requests.filter((r) => r.route === route && (userId === undefined || r.userId === userId)),
    addUser(userId, mode = "ok", addOptions = {}) {
      users.set(userId, { mode, installed: addOptions.installed ?? false, throttled: false });
    },
    installationOf: (userId) => (users.get(userId)?.installed ? installationId(userId) : undefined),
    chatIdOf,
    issuedTokens,
    clear() {
      requests.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type PipelineHeaders = Awaited<
  ReturnType<FakeGraph["identityHttpClient"]["sendRequest"]>
>["headers"];

/** The response headers @azure/identity reads, over a plain map. */
function plainHeaders(map: Map<string, string>): PipelineHeaders {
  const headers: PipelineHeaders = {
    get: (name) => map.get(name.toLowerCase()),
    has: (name) => map.has(name.toLowerCase()),
    set: (name, value) => {
      map.set(name.toLowerCase(), String(value));
    },
    delete: (name) => {
      map.delete(name.toLowerCase());
    },
    toJSON: () => Object.fromEntries(map),
    [Symbol.iterator]: () => map.entries(),
  };
  return headers;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * Reach's Graph client (src/teams/graph.ts) against a local fake of Graph and Entra ID
 * (tests/helpers/fake-graph.ts), one fake per test: installing Reach for a user gives the
 * chat id with one install, and again installs nothing; users Graph refuses are answers
 * with a reason and a detail free of the user's id; throttling, server and network failures
 * are ConnectorErrors the delivery worker retries; the bearer token is sent; user ids are
 * one encoded path segment whatever they hold; the production token providers get their
 * tokens (client credentials, App Service managed identity); and the conversation
 * reference recorded for the chat is the one src/teams/install.ts records.
 */
import type { Activity } from "botbuilder";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectorError, classifyFailure } from "../../src/delivery/index.ts";
import {
  type AppChatResult,
  GRAPH_SCOPE,
  GraphClient,
  type GraphClientOptions,
  graphCredential,
  graphTokenProvider,
  personalConversationRecord,
  personalConversationReference,
} from "../../src/teams/graph.ts";
import { referenceFor } from "../../src/teams/install.ts";
import { type FakeGraph, type FakeGraphOptions, startFakeGraph } from "../helpers/fake-graph.ts";

const APP_ID = "6f1c2b7e-3d4a-4b8e-9c0d-1a2b3c4d5e6f";
const TENANT_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const BEN = "00000000-0000-0000-0000-00000000b001";
const CARA = "00000000-0000-0000-0000-00000000c002";
const ALEX = "00000000-0000-0000-0000-000000000020";

const fakes: FakeGraph[] = [];
afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.close();
});

async function fakeGraph(options: Partial<FakeGraphOptions> = {}): Promise<FakeGraph> {
  const fake = await startFakeGraph({ appExternalId: APP_ID, ...options });
  fakes.push(fake);
  return fake;
}

function clientFor(fake: FakeGraph, options: Partial<GraphClientOptions> = {}): GraphClient {
  return new GraphClient({
    getToken: async () => fake.token,
    appExternalId: APP_ID,
    baseUrl: fake.graphUrl,
    ...options,
  });
}

const routes = (fake: FakeGraph) => fake.requests.map((r) => `${r.method} ${r.route}`);

async function thrown(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe("ensureAppChat", () => {
  it("installs Reach for a new user with one POST and answers the installation's chat id", async () => {
    const fake = await fakeGraph();
    fake.addUser(BEN);
    const result = await clientFor(fake).ensureAppChat(BEN);
    expect(result).toEqual({ ok: true, chatId: fake.chatIdOf(BEN), installedNow: true });
    expect(routes(fake)).toEqual([
      "GET list_installed",
      "GET catalogue",
      "POST install",
      "GET list_installed",
      "GET chat",
    ]);
    const [install] = fake.requestsOf("install");
    expect(install.status).toBe(201);
    expect(install.body).toEqual({
      "teamsApp@odata.bind": `${fake.graphUrl}/appCatalogs/teamsApps/${fake.catalogueAppId}`,
    });
    expect(install.headers["content-type"]).toBe("application/json");
    // Looked up by Reach's manifest id, with the app expanded.
    const [list] = fake.requestsOf("list_installed");
    expect(list.query).toEqual({
      $expand: "teamsApp",
      $filter: `teamsApp/externalId eq '${APP_ID}'`,
    });
    expect(fake.requestsOf("catalogue")[0].query).toEqual({ $filter: `externalId eq '${APP_ID}'` });
    expect(fake.requestsOf("chat")[0].installationId).toBe(fake.installationOf(BEN));
  });

  it("installs nothing the second time and answers the same chat id", async () => {
    const fake = await fakeGraph();
    fake.addUser(BEN);
    const client = clientFor(fake);
    const first = await client.ensureAppChat(BEN);
    fake.clear();
    const second = await client.ensureAppChat(BEN);
    expect(second).toEqual({ ok: true, chatId: fake.chatIdOf(BEN), installedNow: false });
    expect(second.ok && first.ok && second.chatId === first.chatId).toBe(true);
    expect(fake.requestsOf("install")).toEqual([]);
    expect(routes(fake)).toEqual(["GET list_installed", "GET chat"]);
  });

  it("reads the catalogue once, then knows Reach's catalogue id", async () => {
    const fake = await fakeGraph();
    fake.addUser(BEN);
    fake.addUser(CARA);
    const client = clientFor(fake);
    await client.ensureAppChat(BEN);
    expect(client.catalogueAppId).toBe(fake.catalogueAppId);
    expect(await client.ensureAppChat(CARA)).toMatchObject({ ok: true, installedNow: true });
    expect(fake.requestsOf("catalogue")).toHaveLength(1);
    expect(fake.requestsOf("install")).toHaveLength(2);
  });

  it("learns the catalogue id from an installation it finds, without reading the catalogue", async () => {
    const fake = await fakeGraph();
    fake.addUser(ALEX, "ok", { installed: true });
    fake.addUser(BEN);
    const client = clientFor(fake);
    expect(await client.ensureAppChat(ALEX)).toEqual({
      ok: true,
      chatId: fake.chatIdOf(ALEX),
      installedNow: false,
    });
    expect(await client.ensureAppChat(BEN)).toMatchObject({ ok: true, installedNow: true });
    expect(fake.requestsOf("catalogue")).toEqual([]);
  });

  it("asks a user who has Reach for the catalogue id when the catalogue cannot be read", async () => {
    const fake = await fakeGraph({ catalogue: "forbidden" });
    fake.addUser(ALEX, "ok", { installed: true });
    fake.addUser(BEN);
    const hints: string[][] = [];
    const client = clientFor(fake, {
      catalogueHintUsers: async () => {
        hints.push([BEN, ALEX]);
        return [BEN, "", ALEX];
      },
    });
    expect(await client.ensureAppChat(BEN)).toMatchObject({ ok: true, installedNow: true });
    expect(fake.requestsOf("catalogue")).toEqual([]);
    // The user being reached is not asked twice; the hint user is asked once.
    expect(fake.requestsOf("list_installed", ALEX)).toHaveLength(1);
    expect(hints).toHaveLength(1);
  });

  it("uses a configured catalogue id without reading the catalogue", async () => {
    const fake = await fakeGraph({ catalogue: "forbidden" });
    fake.addUser(BEN);
    const client = clientFor(fake, { catalogueAppId: fake.catalogueAppId });
    expect(await client.ensureAppChat(BEN)).toMatchObject({ ok: true, installedNow: true });
    expect(fake.requestsOf("catalogue")).toEqual([]);
  });

  it("takes a 409 (installed meanwhile) as installed, and looks the installation up", async () => {
    const fake = await fakeGraph();
    fake.addUser(BEN);
    // Someone else installs Reach for Ben between the lookup and the install.
    const racing: typeof fetch = async (input, init) => {
      if (init?.method === "POST") await fetch(String(input), init);
      return fetch(input, init);
    };
    const result = await clientFor(fake, { fetch: racing }).ensureAppChat(BEN);
    expect(result).toEqual({ ok: true, chatId: fake.chatIdOf(BEN), installedNow: false });
    expect(fake.requestsOf("install").map((r) => r.status)).toEqual([201, 409]);
  });
});

describe("users Graph refuses", () => {
  it("maps 404 on the user to no_teams_account, with Graph's code and no user id", async () => {
    const fake = await fakeGraph();
    fake.addUser(BEN, "no_teams_account");
    const result = await clientFor(fake).ensureAppChat(BEN);
    expect(result).toMatchObject({ ok: false, reason: "no_teams_account" });
    const detail = (result as Extract<AppChatResult, { ok: false }>).detail;
    expect(detail).toMatch(/^NotFound: /);
    expect(detail).not.toContain(BEN);
    expect(detail).toContain("<user>");
    expect(fake.requestsOf("install")).toEqual([]);
  });

  it("maps an unknown user to no_teams_account too, whatever the case of the id", async () => {
    const fake = await fakeGraph();
    const upper = BEN.toUpperCase().replace("B001", "F00D");
    const result = await clientFor(fake).ensureAppChat(upper);
    expect(result).toMatchObject({ ok: false, reason: "no_teams_account" });
    expect(JSON.stringify(result).toLowerCase()).not.toContain(upper.toLowerCase());
  });

  it("maps 403 on install to app_blocked, and asks for no chat", async () => {
    const fake = await fakeGraph();
    fake.addUser(BEN, "app_blocked");
    const result = await clientFor(fake).ensureAppChat(BEN);
    expect(result).toEqual({
      ok: false,
      reason: "app_blocked",
      detail: "Forbidden: The app is blocked by the tenant's app permission policy for this user.",
    });
    expect(fake.requestsOf("install").map((r) => r.status)).toEqual([403]);
    expect(fake.requestsOf("chat")).toEqual([]);
  });

  it("maps 403 on the chat to chat_blocked, and does not install again on the next try", async () => {
    const fake = await fakeGraph();
    fake.addUser(BEN, "chat_blocked");
    const client = clientFor(fake);
    expect(await client.ensureAppChat(BEN)).toMatchObject({ ok: false, reason: "chat_blocked" });
    expect(await client.ensureAppChat(BEN)).toMatchObject({ ok: false, reason: "chat_blocked" });
    expect(fake.requestsOf("install")).toHaveLength(1);
    expect(fake.requestsOf("chat").map((r) => r.status)).toEqual([403, 403]);
  });

  it("answers other when Reach is not in the tenant's catalogue", async () => {
    const fake = await fakeGraph({ catalogue: "empty" });
    fake.addUser(BEN);
    expect(await clientFor(fake).ensureAppChat(BEN)).toEqual({
      ok: false,
      reason: "other",
      detail: "AppNotInCatalogue: Reach is not in the tenant's Teams app catalogue",
    });
    expect(fake.requestsOf("install")).toEqual([]);
  });

  it("answers other, naming the catalogue, when the catalogue cannot be read", async () => {
    const fake = await fakeGraph({ catalogue: "forbidden" });
    fake.addUser(BEN);
    expect(await clientFor(fake).ensureAppChat(BEN)).toEqual({
      ok: false,
      reason: "other",
      detail: "app catalogue: Forbidden: Missing role permissions on the request.",
    });
  });

  it("answers other (not no_teams_account) when the install finds no such app", async () => {
    const fake = await fakeGraph();
    fake.addUser(BEN);
    const client = clientFor(fake, { catalogueAppId: "not-reach" });
    expect(await client.ensureAppChat(BEN)).toEqual({
      ok: false,
      reason: "other",
      detail: "NotFound: The app was not found.",
    });
  });

  it("answers other with Graph's code when the token is refused", async () => {
    const fake = await fakeGraph();
    fake.addUser(BEN);
    const client = clientFor(fake, { getToken: async () => "not-a-token" });
    expect(await client.ensureAppChat(BEN)).toEqual({
      ok: false,
      reason: "other",
      detail: "InvalidAuthenticationToken: Access token is empty or invalid.",
    });
    expect(fake.installationOf(BEN)).toBeUndefined();
  });
});

describe("failures the delivery worker retries", () => {
  it("throws a ConnectorError 429 with Retry-After in ms, then succeeds", async () => {
    const fake = await fakeGraph({ retryAfterSeconds: 3 });
    fake.addUser(BEN, "throttled_once");
    const client = clientFor(fake);
    const error = await thrown(client.ensureAppChat(BEN));
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(3000);
    expect(error.message).not.toContain(BEN);
    expect(classifyFailure(error)).toMatchObject({ kind: "throttled", retryAfterMs: 3000 });
    expect(await client.ensureAppChat(BEN)).toEqual({
      ok: true,
      chatId: fake.chatIdOf(BEN),
      installedNow: true,
    });
  });

  it("throws a retryable ConnectorError on 5xx, keeping Retry-After", async () => {
    const fake = await fakeGraph();
    fake.addUser(BEN);
    for (const [status, expected] of [
      [503, 503],
      [500, 500],
      [504, 504],
      [501, 503],
      [507, 503],
    ] as const) {
      const failing: typeof fetch = async () =>
        new Response(JSON.stringify({ error: { code: "ServiceNotAvailable", message: "later" } }), {
          status,
          headers: { "retry-after": "7" },
        });
      const error = await thrown(clientFor(fake, { fetch: failing }).ensureAppChat(BEN));
      expect(error.status).toBe(expected);
      expect(error.retryAfterMs).toBe(7000);
      expect(classifyFailure(error).kind).toBe("transient");
    }
  });

  it("throws a retryable ConnectorError when Graph cannot be reached or does not answer", async () => {
    const fake = await fakeGraph();
    const closedUrl = fake.graphUrl;
    await fake.close();
    fakes.splice(fakes.indexOf(fake), 1);
    const refused = await thrown(
      new GraphClient({
        getToken: async () => "t",
        appExternalId: APP_ID,
        baseUrl: closedUrl,
      }).ensureAppChat(BEN),
    );
    expect(refused.status).toBe(503);
    expect(refused.message).toMatch(/^Graph network error/);
    expect(classifyFailure(refused).kind).toBe("transient");

    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    const timedOut = await thrown(
      new GraphClient({
        getToken: async () => "t",
        appExternalId: APP_ID,
        baseUrl: closedUrl,
        fetch: hanging,
        timeoutMs: 50,
      }).ensureAppChat(BEN),
    );
    expect(timedOut.status).toBe(503);
    expect(timedOut.message).toContain("TimeoutError");
  });

  it("throws a retryable ConnectorError when no token can be had", async () => {
    const fake = await fakeGraph();
    fake.addUser(BEN);
    const error = await thrown(
      clientFor(fake, {
        getToken: async () => {
          throw new Error(`no token for ${BEN}`);
        },
      }).ensureAppChat(BEN),
    );
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/^Graph token: /);
    expect(error.message).not.toContain(BEN);
    expect(fake.requests).toEqual([]);
  });
});

describe("requests", () => {
  it("carry the bearer token from getToken, fetched for each request", async () => {
    const fake = await fakeGraph({ token: "token-for-reach" });
    fake.addUser(BEN);
    let calls = 0;
    const client = clientFor(fake, {
      getToken: async () => {
        calls++;
        return "token-for-reach";
      },
    });
    expect(await client.ensureAppChat(BEN)).toMatchObject({ ok: true });
    expect(fake.requests).toHaveLength(5);
    for (const request of fake.requests) {
      expect(request.authorization).toBe("Bearer token-for-reach");
      expect(request.status).not.toBe(401);
    }
    expect(calls).toBe(5);
  });

  it("encode a hostile user id as one path segment that never changes the path", async () => {
    const hostile = [
      "../../appCatalogs/teamsApps",
      "../x",
      "a?$filter=x",
      "b#fragment",
      "with space and /slash",
      "%2e%2e",
      "..%2F..",
      "%00nul",
      "o'brien@school.example",
    ];
    const fake = await fakeGraph();
    for (const id of hostile) fake.addUser(id);
    const client = clientFor(fake);
    for (const id of hostile) {
      fake.clear();
      expect(await client.ensureAppChat(id)).toEqual({
        ok: true,
        chatId: fake.chatIdOf(id),
        installedNow: true,
      });
      for (const request of fake.requests.filter((r) => r.route !== "catalogue")) {
        expect(request.route).not.toBe("unknown");
        expect(request.userId).toBe(id);
        const segments = request.pathname.split("/");
        expect(segments.slice(0, 3)).toEqual(["", "v1.0", "users"]);
        expect(segments.slice(4, 6)).toEqual(["teamwork", "installedApps"]);
        expect([6, 8]).toContain(segments.length);
      }
      // Reach's own request for the catalogue kept its path and filter.
      for (const request of fake.requestsOf("catalogue")) {
        expect(request.pathname).toBe("/v1.0/appCatalogs/teamsApps");
      }
    }
  });

  it("refuse a user id that is a dot segment, without asking Graph", async () => {
    const fake = await fakeGraph();
    for (const id of [".", "..", "", "  "]) {
      expect(await clientFor(fake).ensureAppChat(id)).toEqual({
        ok: false,
        reason: "other",
        detail: "InvalidUserId: not a user id",
      });
    }
    expect(fake.requests).toEqual([]);
  });

  it("quote the manifest id as an OData string", async () => {
    const fake = await fakeGraph({ appExternalId: "reach'app" });
    fake.addUser(BEN);
    const client = clientFor(fake, { appExternalId: "reach'app" });
    expect(await client.ensureAppChat(BEN)).toMatchObject({ ok: true, installedNow: true });
    expect(fake.requestsOf("list_installed")[0].query.$filter).toBe(
      "teamsApp/externalId eq 'reach''app'",
    );
  });
});

describe("graphTokenProvider", () => {
  it("gets a token for the app registration by client credentials, and keeps it", async () => {
    const fake = await fakeGraph({ clientSecret: "s3cret" });
    fake.addUser(BEN);
    fake.addUser(CARA);
    const getToken = graphTokenProvider(
      { appId: APP_ID, appType: "SingleTenant", appPassword: "s3cret", tenantId: TENANT_ID },
      {
        authorityHost: fake.authorityHost,
        credentialOptions: {
          httpClient: fake.identityHttpClient,
          disableInstanceDiscovery: true,
        },
      },
    );
    const client = clientFor(fake, { getToken });
    expect(await client.ensureAppChat(BEN)).toMatchObject({ ok: true });
    expect(await client.ensureAppChat(CARA)).toMatchObject({ ok: true });

    const tokenRequests = fake.requestsOf("token");
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0].pathname).toBe(`/${TENANT_ID}/oauth2/v2.0/token`);
    expect(tokenRequests[0].body).toMatchObject({
      grant_type: "client_credentials",
      client_id: APP_ID,
      client_secret: "s3cret",
      scope: GRAPH_SCOPE,
    });
    expect(fake.issuedTokens).toEqual(["fake-issued-token-1"]);
    const graphCalls = fake.requests.filter((r) => r.pathname.startsWith("/v1.0/"));
    expect(graphCalls.length).toBeGreaterThan(5);
    for (const call of graphCalls) expect(call.authorization).toBe("Bearer fake-issued-token-1");
  });

  it("turns a refused secret into a retryable ConnectorError that does not repeat it", async () => {
    const fake = await fakeGraph({ clientSecret: "right" });
    fake.addUser(BEN);
    const getToken = graphTokenProvider(
      { appId: APP_ID, appType: "MultiTenant", appPassword: "wrong-secret", tenantId: TENANT_ID },
      {
        authorityHost: fake.authorityHost,
        credentialOptions: {
          httpClient: fake.identityHttpClient,
          disableInstanceDiscovery: true,
          retryOptions: { maxRetries: 0 },
        },
      },
    );
    const error = await thrown(clientFor(fake, { getToken }).ensureAppChat(BEN));
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/^Graph token: /);
    expect(error.message).not.toContain("wrong-secret");
    expect(fake.requests.filter((r) => r.pathname.startsWith("/v1.0/"))).toEqual([]);
  });

  it("gets a token for the managed identity from App Service's identity endpoint", async () => {
    const fake = await fakeGraph();
    fake.addUser(BEN);
    const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
    process.env.IDENTITY_ENDPOINT = `${fake.url}/msi/token`;
    process.env.IDENTITY_HEADER = "app-service-secret-header";
    try {
      const getToken = graphTokenProvider({
        appId: APP_ID,
        appType: "UserAssignedMSI",
        tenantId: TENANT_ID,
      });
      expect(await clientFor(fake, { getToken }).ensureAppChat(BEN)).toMatchObject({ ok: true });
    } finally {
      for (const [name, value] of [
        ["IDENTITY_ENDPOINT", saved.endpoint],
        ["IDENTITY_HEADER", saved.header],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    const [msi] = fake.requestsOf("msi_token");
    expect(msi.query).toMatchObject({ client_id: APP_ID, resource: "https://graph.microsoft.com" });
    expect(msi.headers["x-identity-header"]).toBe("app-service-secret-header");
    expect(fake.requestsOf("install")[0].authorization).toBe("Bearer fake-issued-token-1");
  });

  it("needs the tenant id and the secret for an app registration", () => {
    expect(() =>
      graphCredential({ appId: APP_ID, appType: "MultiTenant", appPassword: "s" }),
    ).toThrow(/tenant id.*MicrosoftAppTenantId/);
    expect(() =>
      graphCredential({ appId: APP_ID, appType: "SingleTenant", tenantId: TENANT_ID }),
    ).toThrow(/MicrosoftAppPassword/);
  });
});

describe("the conversation reference for the chat", () => {
  const chat = {
    chatId: `19:${BEN}_${APP_ID}@unq.gbl.spaces`,
    serviceUrl: "https://smba.trafficmanager.net/emea/",
    tenantId: TENANT_ID,
    botId: APP_ID,
    botName: "Reach",
    userAadObjectId: BEN,
  };

  it("is what install.ts records for a personal chat with the same bot and chat", () => {
    // A personal-chat activity as Teams sends it (tests/helpers/fake-connector.ts TeamsSim).
    const sent = {
      type: "installationUpdate",
      action: "add",
      id: "f:1",
      channelId: "msteams",
      serviceUrl: chat.serviceUrl,
      recipient: { id: `28:${APP_ID}`, name: "Reach" },
      from: { id: "29:ben", name: "Ben", aadObjectId: BEN },
      conversation: { tenantId: TENANT_ID, id: chat.chatId, conversationType: "personal" },
      channelData: { tenant: { id: TENANT_ID } },
    };
    // Teams leaves out the conversation's `isGroup` and `name` in a personal chat.
    const activity = sent as unknown as Partial<Activity>;
    expect(personalConversationReference(chat)).toEqual(referenceFor(activity));
    expect(personalConversationReference({ ...chat, botId: `28:${APP_ID}` })).toEqual(
      referenceFor(activity),
    );
  });

  it("goes into a personal conversation record for the user", () => {
    expect(personalConversationRecord(chat, "2026-12-07T08:00:00.000Z")).toEqual({
      id: chat.chatId,
      kind: "personal",
      tenantId: TENANT_ID,
      userAadObjectId: BEN,
      reference: personalConversationReference(chat),
      updatedAt: "2026-12-07T08:00:00.000Z",
    });
  });
});

/**
 * The bot's HTTP front through the real `TeamsAdapter`, on loopback: with credentials an
 * unauthenticated or made-up request is refused (401) without reaching the bot and
 * without the network, with a JSON body and one JSON log line (no stack); in local mode the
 * same request is served; /health; a malformed body gets a clear 400, a too large one 413.
 */
import { type Application, TeamsAdapter, type TurnState } from "@microsoft/teams-ai";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Store } from "../../src/store/index.ts";
import { createHttpApp, listen } from "../../src/teams/server.ts";
import {
  type Harness,
  localConfig,
  postRaw,
  startHarness,
  USERS,
} from "../helpers/fake-connector.ts";

const APP_ID = "11111111-2222-3333-4444-555555555555";
const AUTH = {
  appId: APP_ID,
  appPassword: "secret",
  appType: "SingleTenant" as const,
  tenantId: "00000000-0000-0000-0000-000000000001",
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
/** A JWT that decodes but is signed by nobody. */
function unsignedJwt(issuer: string, serviceUrl: string): string {
  const now = Math.floor(Date.now() / 1000);
  return [
    b64({ alg: "RS256", typ: "JWT", kid: "made-up" }),
    b64({ iss: issuer, aud: APP_ID, nbf: now - 60, exp: now + 3600, serviceurl: serviceUrl }),
    "c2lnbmF0dXJl",
  ].join(".");
}

describe("with credentials (Bot Framework authentication on)", () => {
  let h: Harness;
  // botbuilder's CloudAdapter.process logs each refused request with console.error (a
  // stack trace); the server must not go through it.
  const consoleError = vi.fn();
  beforeAll(async () => {
    vi.spyOn(console, "error").mockImplementation(consoleError);
    h = await startHarness(localConfig({ auth: AUTH }));
  });
  afterAll(async () => {
    await h?.close();
    vi.restoreAllMocks();
  });

  const helpFromAlex = () =>
    h.teams.personalActivity(USERS.alex, { type: "message", text: "help" });

  async function nothingHappened() {
    expect(h.fake.requests).toEqual([]);
    expect(await h.store.listConversations({ includeRemoved: true })).toEqual([]);
  }

  it("refuses a request without an Authorization header (401), offline", async () => {
    const started = Date.now();
    const response = await h.teams.send(helpFromAlex());
    expect(response.status).toBe(401);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(response.body).toEqual({
      error: "unauthorized",
      message: "the request is not authenticated as Microsoft Teams",
    });
    await nothingHappened();
  });

  it("refuses a made-up bearer token (401), offline", async () => {
    for (const token of ["garbage", "a.b.c", unsignedJwt("https://evil.example.com", h.fake.url)]) {
      const response = await h.teams.send(helpFromAlex(), { authorization: `Bearer ${token}` });
      expect(response.status, token).toBe(401);
      expect(response.text).not.toMatch(/ at |node_modules|\/src\//);
    }
    await nothingHappened();
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("never serves an unsigned token from a trusted issuer", async () => {
    // This one makes the adapter fetch Bot Framework's OpenID metadata. Offline, that
    // fails at once (DNS) and the adapter answers 500; online, the signature check fails
    // and it answers 401. Either way the bot does not run.
    const token = unsignedJwt("https://api.botframework.com", h.fake.url);
    const response = await h.teams.send(helpFromAlex(), { authorization: `Bearer ${token}` });
    expect([401, 500]).toContain(response.status);
    await nothingHappened();
  });

  it("answers /health with the mode and the outbox counts", async () => {
    const response = await fetch(`${h.reach.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: "ok",
      mode: "authenticated",
      outbox: { pending: 0, sent: 0, dead: 0 },
    });
  });

  it("answers a malformed body with 400 before authentication", async () => {
    const response = await postRaw(`${h.reach.url}/api/messages`, "{not json");
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: "invalid_json",
      message: "the request body is not valid JSON",
    });
  });
});

describe("log lines for refused requests", () => {
  it("logs a refused (401) request as one JSON line without a trace or server paths", async () => {
    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
    const adapter = new TeamsAdapter({
      MicrosoftAppId: AUTH.appId,
      MicrosoftAppType: AUTH.appType,
      MicrosoftAppPassword: AUTH.appPassword,
      MicrosoftAppTenantId: AUTH.tenantId,
    });
    const ran = vi.fn();
    const app = { run: ran } as unknown as Application<TurnState>;
    const store = {
      countOutbox: async () => ({ pending: 0, sent: 0, dead: 0 }),
    } as unknown as Store;
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const { server, url } = await listen(
      createHttpApp({ adapter, app, store, log, mode: "authenticated" }),
      0,
      "127.0.0.1",
    );
    try {
      const activity = { type: "message", text: "help", serviceUrl: "http://127.0.0.1:1/" };
      const response = await postRaw(`${url}/api/messages`, JSON.stringify(activity));
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: "unauthorized" });
      const tooBig = await postRaw(
        `${url}/api/messages`,
        JSON.stringify({ t: "x".repeat(2 << 20) }),
      );
      expect(tooBig.status).toBe(413);
      expect(ran).not.toHaveBeenCalled();
      expect(spy).not.toHaveBeenCalled();
      expect(lines).toHaveLength(1);
      expect(lines[0].trimEnd()).not.toContain("\n");
      const entry = JSON.parse(lines[0]);
      expect(entry).toMatchObject({
        level: 40,
        status: 401,
        msg: "refused an unauthenticated request",
      });
      expect(lines[0]).not.toMatch(/ at |node_modules|\/src\/|stack/);
    } finally {
      spy.mockRestore();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("local mode (no app id)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("serves a request without an Authorization header", async () => {
    const response = await h.teams.personalMessage(USERS.alex, "help");
    expect(response.status).toBe(200);
    // The bot answered in Alex's chat, through the connector at the activity's serviceUrl.
    const replies = h.fake.requests.filter((r) => r.route === "post" || r.route === "reply");
    expect(replies).toHaveLength(1);
    expect(replies[0].body.text).toContain("my cases");
    expect(replies[0].authorization).toBeUndefined();
  });

  it("answers /health: ok, local, the outbox counts and the directory's age", async () => {
    const response = await fetch(`${h.reach.url}/health`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      status: "ok",
      mode: "local",
      outbox: { pending: 0, sent: 0, dead: 0 },
      cardActions: { count: 0, p50Ms: null, p99Ms: null, maxMs: null },
      directoryLoadedAt: expect.any(String),
      policies: 1,
    });
  });

  it("answers a malformed JSON body with 400 and a clear message", async () => {
    const response = await postRaw(`${h.reach.url}/api/messages`, '{"type": "message",');
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: "invalid_json",
      message: "the request body is not valid JSON",
    });
  });

  it("answers a body that is not an activity with 400", async () => {
    for (const body of [{ hello: 1 }, { type: 7 }, [1, 2], "message", null]) {
      const response = await postRaw(`${h.reach.url}/api/messages`, JSON.stringify(body));
      expect(response.status, JSON.stringify(body)).toBe(400);
      if (typeof body === "object" && body !== null && !Array.isArray(body)) {
        expect(response.body).toEqual({
          error: "not_an_activity",
          message: "the request body is not a Bot Framework activity",
        });
      }
    }
  });

  it("answers a body over 1 MB with 413 and a JSON body, no stack or HTML", async () => {
    const big = JSON.stringify({ type: "message", text: "x".repeat(1_100_000) });
    const response = await postRaw(`${h.reach.url}/api/messages`, big);
    expect(response.status).toBe(413);
    expect(response.body).toEqual({
      error: "payload_too_large",
      message: "the request body is larger than 1mb",
    });
    expect(response.text).not.toMatch(/ at |<html|node_modules/i);
  });

  it("answers other paths and methods with 404", async () => {
    expect((await fetch(`${h.reach.url}/api/messages`)).status).toBe(404);
    expect((await fetch(`${h.reach.url}/nope`)).status).toBe(404);
  });
});

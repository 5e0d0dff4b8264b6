/**
 * The bot keeps one Bot Connector client per app id, service URL and audience, and one
 * user-token client per app id, while every inbound request is still authenticated.
 */
import type { CloudAdapter } from "botbuilder";
import { expect, it } from "vitest";
import { reuseConnectorClients } from "../../src/teams/connector-clients.ts";

function fakeAdapter() {
  const made = { connectors: 0, tokenClients: 0, authenticated: 0, failNext: false };
  const factory = (appId: string | undefined) => ({
    appId,
    async create(serviceUrl: string, audience?: string) {
      made.connectors++;
      if (made.failNext) {
        made.failNext = false;
        throw new Error("no credentials");
      }
      return { serviceUrl, audience, appId };
    },
  });
  const claims = (aud: string | null) => ({
    getClaimValue: (type: string) => (type === "aud" ? aud : null),
  });
  const auth = {
    async authenticateRequest(_activity: unknown, header: string) {
      made.authenticated++;
      if (header === "bad") throw new Error("refused");
      return { audience: "aud-1", connectorFactory: factory("app-1") };
    },
    createConnectorFactory: (c: { getClaimValue(t: string): string | null }) =>
      factory(c.getClaimValue("aud") ?? undefined),
    async createUserTokenClient(_claims: unknown) {
      made.tokenClients++;
      return { tokenClient: made.tokenClients };
    },
  };
  const adapter = { botFrameworkAuthentication: auth } as unknown as CloudAdapter;
  return { adapter, auth, made, claims };
}

it("makes a connector client once per app id, service URL and audience", async () => {
  const { adapter, auth, made, claims } = fakeAdapter();
  reuseConnectorClients(adapter);
  const first = await auth.authenticateRequest({}, "token");
  const second = await auth.authenticateRequest({}, "token");
  const a = await first.connectorFactory.create("https://smba/", "aud-1");
  const b = await second.connectorFactory.create("https://smba/", "aud-1");
  expect(b).toBe(a);
  expect(made.authenticated).toBe(2);
  await first.connectorFactory.create("https://other/", "aud-1");
  await first.connectorFactory.create("https://smba/", "aud-2");
  // A proactive send (the delivery worker) shares them too, for the same app id.
  const proactive = auth.createConnectorFactory(claims("app-1"));
  expect(await proactive.create("https://smba/", "aud-1")).toBe(a);
  const otherApp = auth.createConnectorFactory(claims("app-2"));
  expect(await otherApp.create("https://smba/", "aud-1")).not.toBe(a);
  expect(made.connectors).toBe(4);
});

it("still refuses a request that does not authenticate", async () => {
  const { adapter, auth } = fakeAdapter();
  reuseConnectorClients(adapter);
  await expect(auth.authenticateRequest({}, "bad")).rejects.toThrow("refused");
});

it("does not keep a client that could not be made", async () => {
  const { adapter, auth, made } = fakeAdapter();
  reuseConnectorClients(adapter);
  const { connectorFactory } = await auth.authenticateRequest({}, "token");
  made.failNext = true;
  await expect(connectorFactory.create("https://smba/")).rejects.toThrow("no credentials");
  await expect(connectorFactory.create("https://smba/")).resolves.toMatchObject({
    serviceUrl: "https://smba/",
  });
  expect(made.connectors).toBe(2);
});

it("makes a user-token client once per app id", async () => {
  const { adapter, auth, made, claims } = fakeAdapter();
  reuseConnectorClients(adapter);
  const one = await auth.createUserTokenClient(claims("x"));
  const two = await auth.createUserTokenClient(claims("x"));
  const three = await auth.createUserTokenClient(claims("y"));
  expect(two).toBe(one);
  expect(three).not.toBe(one);
  expect(made.tokenClients).toBe(2);
});

/**
 * One Bot Connector client per bot app id, service URL and audience, and one user-token
 * client per app id, kept for the process instead of built again for every turn and every
 * proactive send. botbuilder's `CloudAdapter` makes both afresh each time, and building one
 * (an HTTP pipeline of a dozen policies, the credentials) cost more than a card action's
 * own work. The older `BotFrameworkAdapter` kept its connector clients the same way: a
 * client holds no per-turn state, and its credentials fetch and refresh their own tokens.
 *
 * Authentication is untouched: every inbound request is still authenticated by botbuilder
 * (`authenticateRequest`) before a client is taken from here.
 */
import type { CloudAdapter } from "botbuilder";

/** The few members of botbuilder's `BotFrameworkAuthentication` this file wraps. */
interface Authentication {
  authenticateRequest(
    activity: unknown,
    authHeader: string,
  ): Promise<{ connectorFactory?: Factory }>;
  createConnectorFactory(claimsIdentity: unknown): Factory;
  createUserTokenClient(claimsIdentity: Claims): Promise<unknown>;
}

interface Factory {
  create(serviceUrl: string, audience?: string): Promise<unknown>;
}

interface Claims {
  getClaimValue(type: string): string | null;
}

/** More keys than this means something unexpected: start again rather than grow. */
const MAX_KEPT = 64;

/** Makes `adapter` reuse its connector and user-token clients; returns it. */
export function reuseConnectorClients<A extends CloudAdapter>(adapter: A): A {
  const auth = (adapter as unknown as { botFrameworkAuthentication?: Authentication })
    .botFrameworkAuthentication;
  if (
    auth === undefined ||
    typeof auth.authenticateRequest !== "function" ||
    typeof auth.createConnectorFactory !== "function" ||
    typeof auth.createUserTokenClient !== "function"
  ) {
    return adapter;
  }
  const connectors = new Map<string, Promise<unknown>>();
  const tokenClients = new Map<string, Promise<unknown>>();
  const keep = (kept: Map<string, Promise<unknown>>, key: string, make: () => Promise<unknown>) => {
    let client = kept.get(key);
    if (client === undefined) {
      if (kept.size >= MAX_KEPT) kept.clear();
      client = make();
      kept.set(key, client);
      // A client that could not be made is not kept: the next turn tries again.
      client.catch(() => {
        if (kept.get(key) === client) kept.delete(key);
      });
    }
    return client;
  };
  const reusing = (factory: Factory | undefined): Factory | undefined => {
    if (factory === undefined) return undefined;
    // botframework-connector's ConnectorFactoryImpl: everything else it holds is the
    // authentication's own settings, the same for every factory it makes.
    const appId = (factory as { appId?: unknown }).appId;
    if (appId !== undefined && typeof appId !== "string") return factory;
    return {
      create: (serviceUrl, audience) =>
        keep(connectors, JSON.stringify([appId ?? null, serviceUrl, audience ?? null]), () =>
          factory.create(serviceUrl, audience),
        ),
    };
  };

  const authenticateRequest = auth.authenticateRequest.bind(auth);
  const createConnectorFactory = auth.createConnectorFactory.bind(auth);
  const createUserTokenClient = auth.createUserTokenClient.bind(auth);
  auth.authenticateRequest = async (activity, authHeader) => {
    const result = await authenticateRequest(activity, authHeader);
    const factory = reusing(result.connectorFactory);
    return factory === undefined ? result : { ...result, connectorFactory: factory };
  };
  auth.createConnectorFactory = (claimsIdentity) =>
    reusing(createConnectorFactory(claimsIdentity)) as Factory;
  auth.createUserTokenClient = (claimsIdentity) => {
    // The app id as botframework-connector reads it from the claims: audience, else appid.
    const appId = claimsIdentity.getClaimValue("aud") ?? claimsIdentity.getClaimValue("appid");
    return keep(tokenClients, JSON.stringify([appId ?? null]), () =>
      createUserTokenClient(claimsIdentity),
    );
  };
  return adapter;
}

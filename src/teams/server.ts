/**
 * The HTTP front of the bot: `POST /api/messages` (Bot Framework activities, through the
 * `TeamsAdapter`, which checks the caller's token when the bot has credentials) and
 * `GET /health` (liveness: ok, mode, the outbox's pending/sent/dead counts when the store
 * answers, card-action latency, the directory's age) and `GET /ready` (readiness: 503
 * until the store answers and the policies and data are loaded; each policy's next and
 * last run, the outbox's depth and dead letters).
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Application, TeamsAdapter, TurnState } from "@microsoft/teams-ai";
import type { Activity, TurnContext } from "botbuilder";
import express from "express";
import type { Logger } from "../log.ts";
import type { Store } from "../store/index.ts";
import { LatencyRecord } from "./latency.ts";

export interface HttpOptions {
  adapter: TeamsAdapter;
  app: Application<TurnState>;
  store: Store;
  log: Logger;
  mode: "local" | "authenticated";
  /** Extra fields for /health (the directory's date, the worker's state). */
  health?: () => Record<string, unknown>;
  /** `/ready`'s answer: ready or not, and what to show. */
  ready?: () => Promise<{ ready: boolean; body: Record<string, unknown> }>;
  /** Where card-action durations are recorded (one is made when absent). */
  cardActions?: LatencyRecord;
}

/** The largest activity accepted (Teams' own are a few kilobytes). */
const BODY_LIMIT = "1mb";

/** `CloudAdapter.processActivity`: public in practice, `protected` in botbuilder's types. */
interface ActivityProcessor {
  processActivity(
    authHeader: string,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<{ status: number; body?: unknown } | undefined>;
}

function authorizationOf(req: express.Request): string {
  const header = req.headers.authorization;
  return typeof header === "string" ? header : "";
}

/** What botbuilder's `validateAndFixActivity` does to a parsed body: timestamps as dates. */
function withDates(activity: Activity): Activity {
  const raw = activity as unknown as Record<string, unknown>;
  for (const [field, rawField] of [
    ["timestamp", "rawTimestamp"],
    ["expiration", "rawExpiration"],
    ["localTimestamp", "rawLocalTimestamp"],
  ] as const) {
    const value = raw[field];
    if (typeof value === "string") {
      raw[rawField] = value;
      raw[field] = new Date(value);
    }
  }
  return activity;
}

/** botframework-connector's `AuthenticationError`: a 401 (or 403) status code on it. */
function isAuthenticationFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { statusCode?: unknown }).statusCode;
  return error.constructor.name === "AuthenticationError" || code === 401 || code === 403;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0].slice(0, 300);
}

export function createHttpApp(options: HttpOptions): express.Express {
  const { adapter, app, store, log } = options;
  const cardActions = options.cardActions ?? new LatencyRecord();
  const http = express();
  http.disable("x-powered-by");
  // No ETag: nothing caches a POST's answer, and hashing every card costs the event loop.
  http.set("etag", false);
  http.use(express.json({ limit: BODY_LIMIT }));
  http.post("/api/messages", async (req, res) => {
    // botbuilder throws (a 500 here) on a body without an activity type: it is the caller's.
    const body: unknown = req.body;
    if (
      typeof body !== "object" ||
      body === null ||
      typeof (body as { type?: unknown }).type !== "string"
    ) {
      res.status(400).json({
        error: "not_an_activity",
        message: "the request body is not a Bot Framework activity",
      });
      return;
    }
    const started = performance.now();
    if ((body as { type?: unknown }).type === "invoke") {
      res.once("finish", () => cardActions.add(performance.now() - started));
    }
    try {
      // The adapter's own `process` answers a refused token with console.error (a
      // multi-line stack with server paths) and a text body; this is the same call with
      // Reach's answers: one JSON log line and a JSON body.
      const invoke = await (adapter as unknown as ActivityProcessor).processActivity(
        authorizationOf(req),
        withDates(body as Activity),
        async (context) => {
          await app.run(context);
        },
      );
      res.status(invoke?.status ?? 200);
      if (invoke?.body !== undefined) res.send(invoke.body);
      res.end();
    } catch (error) {
      if (isAuthenticationFailure(error)) {
        log.warn({ status: 401, reason: firstLine(error) }, "refused an unauthenticated request");
        if (!res.headersSent) {
          res.status(401).json({
            error: "unauthorized",
            message: "the request is not authenticated as Microsoft Teams",
          });
        }
        return;
      }
      log.error({ error: firstLine(error) }, "could not process an activity");
      if (!res.headersSent) {
        res.status(500).json({
          error: "internal_error",
          message: "the activity could not be processed",
        });
      }
    }
  });
  // Liveness: the process answers. A store that does not answer is /ready's concern (a
  // restart would not fix it), so /health says so and stays 200.
  http.get("/health", async (_req, res) => {
    let outbox: unknown;
    try {
      outbox = await store.countOutbox();
    } catch (error) {
      log.error({ error: String(error) }, "health: the store did not answer");
      outbox = "unavailable";
    }
    res.json({
      status: "ok",
      mode: options.mode,
      outbox,
      cardActions: cardActions.summary(),
      ...(options.health?.() ?? {}),
    });
  });
  http.get("/ready", async (_req, res) => {
    try {
      const { ready, body } = (await options.ready?.()) ?? { ready: true, body: {} };
      res.status(ready ? 200 : 503).json(body);
    } catch (error) {
      log.error({ error: String(error) }, "readiness check failed");
      res.status(503).json({ status: "not ready" });
    }
  });
  http.use((_req, res) => {
    res.status(404).json({ error: "not_found", message: "no such path" });
  });
  // Every error is a JSON body without internals (Express's default is an HTML page with
  // the stack) and one log line without a trace.
  http.use(
    (error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      const type = (error as { type?: unknown }).type;
      const status = (error as { status?: unknown }).status;
      if (type === "entity.parse.failed") {
        res
          .status(400)
          .json({ error: "invalid_json", message: "the request body is not valid JSON" });
        return;
      }
      if (type === "entity.too.large") {
        res.status(413).json({
          error: "payload_too_large",
          message: `the request body is larger than ${BODY_LIMIT}`,
        });
        return;
      }
      if (typeof status === "number" && status >= 400 && status < 500) {
        log.warn({ status, reason: firstLine(error) }, "refused a request");
        res.status(status).json({ error: "bad_request", message: "the request was refused" });
        return;
      }
      log.error({ error: firstLine(error) }, "an HTTP request failed");
      if (res.headersSent) return;
      res.status(500).json({ error: "internal_error", message: "the request failed" });
    },
  );
  return http;
}

export function listen(
  http: express.Express,
  port: number,
  host: string,
): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = http.listen(port, host);
    server.once("error", reject);
    server.once("listening", () => {
      const address = server.address() as AddressInfo;
      resolve({ server, url: `http://${host}:${address.port}` });
    });
  });
}

/**
 * The HTTP front of the bot: `POST /api/messages` (Bot Framework activities, through the
 * `TeamsAdapter`, which checks the caller's token when the bot has credentials) and
 * `GET /health` (ok, mode, the outbox's pending/sent/dead counts, card-action latency, the
 * directory's age).
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Application, TeamsAdapter, TurnState } from "@microsoft/teams-ai";
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
  /** Where card-action durations are recorded (one is made when absent). */
  cardActions?: LatencyRecord;
}

export function createHttpApp(options: HttpOptions): express.Express {
  const { adapter, app, store, log } = options;
  const cardActions = options.cardActions ?? new LatencyRecord();
  const http = express();
  http.disable("x-powered-by");
  http.use(express.json({ limit: "1mb" }));
  http.post("/api/messages", async (req, res) => {
    // botbuilder throws (a 500 here) on a body without an activity type: it is the caller's.
    const body: unknown = req.body;
    if (
      typeof body !== "object" ||
      body === null ||
      typeof (body as { type?: unknown }).type !== "string"
    ) {
      res.status(400).json({ error: "the request body is not a Bot Framework activity" });
      return;
    }
    const started = performance.now();
    if ((body as { type?: unknown }).type === "invoke") {
      res.once("finish", () => cardActions.add(performance.now() - started));
    }
    try {
      await adapter.process(req, res, async (context) => {
        await app.run(context);
      });
    } catch (error) {
      log.error({ error: String(error) }, "could not process an activity");
      if (!res.headersSent) res.status(500).json({ error: "the activity could not be processed" });
    }
  });
  http.get("/health", async (_req, res) => {
    try {
      const outbox = await store.countOutbox();
      res.json({
        status: "ok",
        mode: options.mode,
        outbox,
        cardActions: cardActions.summary(),
        ...(options.health?.() ?? {}),
      });
    } catch (error) {
      log.error({ error: String(error) }, "health check failed");
      res.status(503).json({ status: "store unavailable" });
    }
  });
  // A malformed JSON body gets a clear 400, not a stack trace.
  http.use(
    (error: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
      if ((error as { type?: string }).type === "entity.parse.failed") {
        res.status(400).json({ error: "the request body is not valid JSON" });
        return;
      }
      next(error);
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

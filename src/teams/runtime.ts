/**
 * Reach as one running process: the store, the directory (policies, staff, students),
 * the bot behind HTTP, and the delivery worker draining the outbox into Teams. Used by
 * `npm run serve` (from the environment), by `npm start` (the demo) and by the tests.
 */
import type { Server } from "node:http";
import { TeamsAdapter } from "@microsoft/teams-ai";
import {
  type BotConfig,
  buildDirectory,
  ConfigError,
  DirectoryHolder,
  openStore,
} from "../app/index.ts";
import { ADAPTERS } from "../data/adapters/index.ts";
import type { Dataset } from "../data/dataset.ts";
import { DeliveryWorker, type DeliveryWorkerOptions } from "../delivery/index.ts";
import { createLogger, type Logger } from "../log.ts";
import type { Policy } from "../rules/index.ts";
import { formatProblem, isDirectory, loadPolicyDir, loadPolicyFiles } from "../rules/index.ts";
import type { Store } from "../store/index.ts";
import { createReachApp } from "./bot.ts";
import { BotConnector } from "./bot-connector.ts";
import { TeamsPlanner } from "./delivery-planner.ts";
import { LatencyRecord } from "./latency.ts";
import { createPresenter } from "./presenter.ts";
import { createHttpApp, listen } from "./server.ts";

export interface RuntimeOptions {
  log?: Logger;
  now?: () => Date;
  /** A store opened by the caller (tests, the demo); otherwise opened from the environment. */
  store?: Store;
  /** Overrides for the delivery worker (tests). */
  delivery?: Partial<Omit<DeliveryWorkerOptions, "store" | "planner" | "connector">>;
}

export interface ReachRuntime {
  url: string;
  store: Store;
  directory: DirectoryHolder;
  policies: Policy[];
  /** The last import (undefined without a data folder). */
  dataset: Dataset | undefined;
  worker: DeliveryWorker;
  /** Card-action durations (also on /health). */
  cardActions: LatencyRecord;
  log: Logger;
  /** Reads the data folder again and swaps the directory. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

export async function loadPolicies(path: string | undefined): Promise<Policy[]> {
  if (path === undefined) return [];
  const result = (await isDirectory(path))
    ? await loadPolicyDir(path)
    : await loadPolicyFiles([path]);
  if (!result.ok) throw new ConfigError(result.errors.map((p) => formatProblem(p)));
  return result.policies;
}

export async function loadDataset(config: BotConfig, log: Logger): Promise<Dataset | undefined> {
  if (config.dataDir === undefined) return undefined;
  const imported = await ADAPTERS[config.source].import(config.dataDir);
  const { report } = imported;
  log.info(
    {
      source: config.source,
      students: imported.dataset.students.length,
      staff: imported.dataset.staff.length,
      rowsAccepted: report.rowsAccepted,
      rowsRejected: report.rowsRejected,
    },
    report.partial ? "data imported with rejected rows" : "data imported",
  );
  return imported.dataset;
}

export async function startReach(
  config: BotConfig,
  options: RuntimeOptions = {},
): Promise<ReachRuntime> {
  const log = options.log ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());
  const policies = await loadPolicies(config.policies);
  let dataset = await loadDataset(config, log);
  const empty = { staff: [], students: [] };
  const directory = new DirectoryHolder(
    buildDirectory(policies, dataset ?? empty, now().toISOString()),
  );
  const store = options.store ?? (await openStore(undefined));
  const auth = config.auth;
  const adapter = new TeamsAdapter(
    auth === undefined
      ? {}
      : {
          MicrosoftAppId: auth.appId,
          MicrosoftAppType: auth.appType,
          ...(auth.appPassword !== undefined && { MicrosoftAppPassword: auth.appPassword }),
          ...(auth.tenantId !== undefined && { MicrosoftAppTenantId: auth.tenantId }),
        },
  );
  const presenter = createPresenter(directory);
  const worker = new DeliveryWorker({
    store,
    planner: new TeamsPlanner(store, presenter),
    connector: new BotConnector(adapter, auth?.appId ?? "", store),
    logger: log,
    pollMs: 250,
    ...(config.deliveryLeaseSeconds !== undefined && {
      leaseMs: config.deliveryLeaseSeconds * 1000,
    }),
    ...options.delivery,
  });
  const app = createReachApp(adapter, auth?.appId, {
    store,
    directory,
    presenter,
    log,
    now,
    onQueued: () => worker.wake(),
  });
  const cardActions = new LatencyRecord();
  const http = createHttpApp({
    cardActions,
    adapter,
    app,
    store,
    log,
    mode: auth === undefined ? "local" : "authenticated",
    health: () => ({ directoryLoadedAt: directory.get().loadedAt, policies: policies.length }),
  });
  const { server, url } = await listen(http, config.port, config.host);
  worker.start();
  // The nightly export changes who the students and staff are: read them again now and then.
  let reloading = false;
  const refresh =
    config.directoryRefreshMinutes > 0 && config.dataDir !== undefined
      ? setInterval(() => {
          if (reloading) return;
          reloading = true;
          reload()
            .catch((error) => log.error({ error: String(error) }, "could not read the data again"))
            .finally(() => {
              reloading = false;
            });
        }, config.directoryRefreshMinutes * 60_000)
      : undefined;
  refresh?.unref();
  async function reload() {
    dataset = await loadDataset(config, log);
    directory.replace(buildDirectory(policies, dataset ?? empty, now().toISOString()));
  }
  log.info(
    { url, mode: auth === undefined ? "local" : "authenticated", policies: policies.length },
    "Reach is listening",
  );
  let closed = false;
  return {
    url,
    store,
    directory,
    policies,
    get dataset() {
      return dataset;
    },
    worker,
    cardActions,
    log,
    reload,
    async close() {
      if (closed) return;
      closed = true;
      if (refresh) clearInterval(refresh);
      await worker.stop();
      await closeServer(server);
      if (options.store === undefined) await store.close();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

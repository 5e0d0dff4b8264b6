/**
 * Reach as one running process: the store, the directory (policies, staff, students),
 * the bot behind HTTP, the delivery worker draining the outbox into Teams, and the
 * scheduler running each policy on its schedule. Used by `npm run serve` (from the
 * environment), by `npm start` (the demo) and by the tests.
 */
import type { Server } from "node:http";
import { TeamsAdapter } from "@microsoft/teams-ai";
import {
  type BotConfig,
  buildDirectory,
  DEFAULT_OUTREACH_DIR,
  DirectoryHolder,
  digestOutboxId,
  openStore,
  PolicyCatalogue,
  postWeeklyDigest,
  readStoreSettings,
  runnerId,
  ScheduledRuns,
} from "../app/index.ts";
import type { ImportResult } from "../data/adapters/adapter.ts";
import { ADAPTERS } from "../data/adapters/index.ts";
import type { Dataset } from "../data/dataset.ts";
import { type DayNumber, formatDay, localDate, parseIsoDate } from "../data/dates.ts";
import {
  type Clock,
  DeliveryWorker,
  type DeliveryWorkerOptions,
  realClock,
} from "../delivery/index.ts";
import { createLogger, type Logger } from "../log.ts";
import { loadTemplates, type Template } from "../outreach/index.ts";
import type { Policy } from "../rules/index.ts";
import { clockFrom, Scheduler, type SchedulerPort } from "../schedule/index.ts";
import type { Store } from "../store/index.ts";
import { createReachApp } from "./bot.ts";
import { BotConnector } from "./bot-connector.ts";
import { reuseConnectorClients } from "./connector-clients.ts";
import { TeamsPlanner } from "./delivery-planner.ts";
import { GraphClient, graphTokenProvider } from "./graph.ts";
import { LatencyRecord } from "./latency.ts";
import { createPresenter } from "./presenter.ts";
import { createHttpApp, listen } from "./server.ts";

export interface RuntimeOptions {
  log?: Logger;
  now?: () => Date;
  /** A store opened by the caller (tests, the demo); otherwise opened from the environment. */
  store?: Store;
  /**
   * How Reach installs itself for a student who has never opened it (tests pass a client
   * on a fake Graph). Default: Microsoft Graph with the bot's identity, when it has one.
   */
  graph?: Pick<GraphClient, "ensureAppChat">;
  /** Overrides for the delivery worker (tests). */
  delivery?: Partial<Omit<DeliveryWorkerOptions, "store" | "planner" | "connector">>;
  /**
   * Run each policy on its schedule (default: the configuration's `scheduler`, which
   * `readConfig` turns on unless REACH_SCHEDULER=off; a configuration built by hand leaves
   * it off). It needs policies and a data folder. `"manual"`: set up but not started
   * until `startScheduler()` (the demo runs first, then starts it).
   */
  scheduler?: boolean | "manual";
  /** The scheduler's clock (tests set one; default: the system's, or REACH_NOW's). */
  clock?: Clock;
}

export interface ReachRuntime {
  url: string;
  store: Store;
  directory: DirectoryHolder;
  /** The policies served now (read again before each scheduled run). */
  readonly policies: Policy[];
  /** Each policy's schedule (undefined when the scheduler is off). */
  scheduler: Scheduler | undefined;
  /** What the scheduler runs (undefined when the scheduler is off). */
  scheduledRuns: ScheduledRuns | undefined;
  /** Starts the scheduler set up with `scheduler: "manual"` (started already otherwise). */
  startScheduler(): Promise<void>;
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
  return (await PolicyCatalogue.open(path)).policies();
}

export async function loadDataset(config: BotConfig, log: Logger): Promise<Dataset | undefined> {
  return (await importData(config, log))?.dataset;
}

async function importData(config: BotConfig, log: Logger): Promise<ImportResult | undefined> {
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
  return imported;
}

/** The usable message templates; a folder with problems is logged (file and line, no text). */
async function readTemplates(
  config: BotConfig,
  log: Logger,
): Promise<ReadonlyMap<string, Template>> {
  const set = await loadTemplates(config.outreachDir ?? DEFAULT_OUTREACH_DIR);
  for (const p of set.problems) {
    log.warn(
      { file: p.file, line: p.line, column: p.column, code: p.code },
      "message template left out",
    );
  }
  return set.templates;
}

/** Microsoft Graph with the bot's own identity; none in local mode (no bot identity). */
function graphFor(config: BotConfig, store: Store): GraphClient | undefined {
  const auth = config.auth;
  if (auth === undefined) return undefined;
  return new GraphClient({
    getToken: graphTokenProvider(auth),
    appExternalId: auth.appId,
    ...(config.graphUrl !== undefined && { baseUrl: config.graphUrl }),
    // Advisers who opened Reach have it installed: their installation names Reach's id in
    // the school's app catalogue, with no further permission needed.
    catalogueHintUsers: async () =>
      (await store.listConversations({ kind: "personal" }))
        .map((c) => c.userAadObjectId)
        .filter((id): id is string => id !== undefined),
  });
}

export async function startReach(
  config: BotConfig,
  options: RuntimeOptions = {},
): Promise<ReachRuntime> {
  const log = options.log ?? createLogger(config.logLevel);
  // One clock for the whole process: the scheduler's firings, the times runs and card
  // actions record, and when the outbox's entries fall due, so REACH_NOW moves them together.
  const clock =
    options.clock ?? (config.clockStart !== undefined ? clockFrom(config.clockStart) : realClock);
  const now = options.now ?? (() => new Date(clock.now()));
  const catalogue = await PolicyCatalogue.open(config.policies);
  // The latest import (at start, after each scheduled run's, on reload): the bot and the
  // digest read it instead of importing again on a request.
  let latest = await importData(config, log);
  let dataset = latest?.dataset;
  const empty = { staff: [], students: [] };
  const directory = new DirectoryHolder(
    buildDirectory(catalogue.policies(), dataset ?? empty, now().toISOString()),
  );
  const store = options.store ?? (await openStore(undefined));
  const auth = config.auth;
  // One connector client per service URL, not one per turn and per send.
  const adapter = reuseConnectorClients(
    new TeamsAdapter(
      auth === undefined
        ? {}
        : {
            MicrosoftAppId: auth.appId,
            MicrosoftAppType: auth.appType,
            ...(auth.appPassword !== undefined && { MicrosoftAppPassword: auth.appPassword }),
            ...(auth.tenantId !== undefined && { MicrosoftAppTenantId: auth.tenantId }),
          },
    ),
  );
  const presenter = createPresenter(directory);
  let templates = await readTemplates(config, log);
  const schoolName = (id: string) => dataset?.schools.get(id)?.name ?? id;
  const graph = options.graph ?? graphFor(config, store);
  const planner = new TeamsPlanner(store, presenter, {
    directory,
    ...(graph !== undefined && { appChat: (aad: string) => graph.ensureAppChat(aad) }),
    bot: { id: auth?.appId ?? "reach", name: "Reach" },
    schoolName,
    now,
  });
  const worker = new DeliveryWorker({
    clock,
    store,
    planner,
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
    templates: () => templates,
    schoolName,
    dataset: () => dataset,
    async policiesChanged() {
      await catalogue.refresh();
      directory.replace(
        buildDirectory(catalogue.policies(), dataset ?? empty, now().toISOString()),
      );
    },
    ...(config.dataDir !== undefined && {
      digestData: { dataDir: config.dataDir, source: config.source, imported: () => latest },
    }),
  });
  const cardActions = new LatencyRecord();
  const http = createHttpApp({
    cardActions,
    adapter,
    app,
    store,
    log,
    mode: auth === undefined ? "local" : "authenticated",
    health: () => ({
      directoryLoadedAt: directory.get().loadedAt,
      policies: catalogue.policies().length,
    }),
    ready: () => readiness(),
  });
  const { server, url } = await listen(http, config.port, config.host);
  worker.start();
  const dataDir = config.dataDir;
  const { caseIdSecret } = readStoreSettings(undefined);
  const scheduled =
    (options.scheduler ?? config.scheduler ?? false) &&
    dataDir !== undefined &&
    config.policies !== undefined
      ? new ScheduledRuns({
          store,
          catalogue,
          importData: async () => (await importData(config, log)) as ImportResult,
          owner: runnerId("serve"),
          ...(caseIdSecret !== undefined && { caseIdSecret }),
          log,
          onImported: (imported) => {
            latest = imported;
            dataset = imported.dataset;
            directory.replace(
              buildDirectory(catalogue.policies(), imported.dataset, now().toISOString()),
            );
          },
        })
      : undefined;
  // The scheduler runs each policy through `scheduled`, and posts its weekly digest (the
  // policy's `digest:` cron) to the leads once per date, whoever asks first.
  const schedulerPort: SchedulerPort | undefined = scheduled && {
    schedules: () =>
      scheduled.schedules().map((s) => {
        const digest = catalogue.get(s.policyId)?.digest;
        return digest === undefined ? s : { ...s, digest };
      }),
    isSchoolDay: (policyId, asOf) => scheduled.isSchoolDay(policyId, asOf),
    hasRun: (policyId, asOf) => scheduled.hasRun(policyId, asOf),
    run: (request, signal) => scheduled.run(request, signal),
    skip: (request, reason) => scheduled.skip(request, reason),
    async digest(policyId, date, at) {
      const policy = catalogue.get(policyId);
      if (policy === undefined || dataDir === undefined) return;
      const posted = await postWeeklyDigest({
        store,
        policy,
        source: config.source,
        dataDir,
        date: parseIsoDate(date) as DayNumber,
        at,
        actor: "reach",
        ...(latest !== undefined && { imported: latest }),
      });
      log.info({ policy: policyId, date, queued: posted.queued }, "weekly digest");
      if (posted.queued) worker.wake();
    },
    // Posted, or a later one has been (asked for in Teams since): catch-up would only post
    // an older week beside a newer one. A week holds at most seven dates to look at.
    async hasDigest(policyId, date) {
      const from = parseIsoDate(date);
      if (from === undefined) return false;
      const today = parseIsoDate(localDate(now(), catalogue.get(policyId)?.timezone ?? "UTC"));
      const last = Math.min(today ?? from, from + 7);
      for (let day = from; day <= Math.max(from, last); day++) {
        const id = digestOutboxId(policyId, formatDay(day));
        if ((await store.getOutboxEntry({ policyId, id })) !== undefined) return true;
      }
      return false;
    },
  };
  const scheduler =
    schedulerPort &&
    new Scheduler({
      clock,
      port: schedulerPort,
      onError: (error, policyId) =>
        log.error({ policy: policyId, error: String(error) }, "scheduler error"),
    });
  let schedulerStarted = false;
  if (options.scheduler !== "manual" && scheduler !== undefined) {
    await scheduler.start();
    schedulerStarted = true;
  }
  const schedulerState = () =>
    scheduler === undefined ? "off" : schedulerStarted ? "on" : "not started";
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
    templates = await readTemplates(config, log);
    latest = await importData(config, log);
    dataset = latest?.dataset;
    directory.replace(buildDirectory(catalogue.policies(), dataset ?? empty, now().toISOString()));
  }
  /** `/ready`: the store answers, the policies and data are loaded; each policy's runs. */
  async function readiness(): Promise<{ ready: boolean; body: Record<string, unknown> }> {
    const policies = catalogue.policies();
    const times = new Map((scheduler?.status() ?? []).map((t) => [t.policyId, t]));
    let outbox: { pending: number; dead: number } | undefined;
    const lastRuns = new Map<string, unknown>();
    try {
      const counts = await store.countOutbox();
      outbox = { pending: counts.pending, dead: counts.dead };
      for (const p of policies) {
        const [last] = await store.listRuns({ policyId: p.id, limit: 1 });
        if (last !== undefined) {
          lastRuns.set(p.id, {
            asOf: last.asOf,
            status: last.status,
            startedAt: last.startedAt,
            ...(last.finishedAt !== undefined && { finishedAt: last.finishedAt }),
            counts: last.counts,
            errors: last.errors,
          });
        }
      }
    } catch (error) {
      log.error({ error: String(error) }, "readiness: the store did not answer");
    }
    const problems: string[] = [];
    if (outbox === undefined) problems.push("the store did not answer");
    if (config.policies !== undefined && policies.length === 0) problems.push("no policies");
    if (config.dataDir !== undefined && dataset === undefined) problems.push("no data imported");
    return {
      ready: problems.length === 0,
      body: {
        status: problems.length === 0 ? "ready" : "not ready",
        ...(problems.length > 0 && { problems }),
        scheduler: schedulerState(),
        now: new Date(clock.now()).toISOString(),
        policies: policies.map((p) => {
          const t = times.get(p.id);
          return {
            id: p.id,
            schedule: p.schedule,
            timezone: p.timezone,
            ...(t?.nextRunAt !== undefined && { nextRunAt: t.nextRunAt }),
            ...(t?.nextDigestAt !== undefined && { nextDigestAt: t.nextDigestAt }),
            ...(t?.running !== undefined && { running: t.running.asOf }),
            ...(lastRuns.has(p.id) && { lastRun: lastRuns.get(p.id) }),
          };
        }),
        ...(outbox !== undefined && { outbox }),
        data: { loadedAt: directory.get().loadedAt, students: dataset?.students.length ?? 0 },
      },
    };
  }
  log.info(
    {
      url,
      mode: auth === undefined ? "local" : "authenticated",
      policies: catalogue.policies().length,
      scheduler: schedulerState(),
    },
    "Reach is listening",
  );
  let closed = false;
  return {
    url,
    store,
    directory,
    get policies() {
      return catalogue.policies();
    },
    scheduler,
    scheduledRuns: scheduled,
    async startScheduler() {
      if (closed || scheduler === undefined) return;
      await scheduler.start();
      schedulerStarted = true;
    },
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
      // Stop taking work first: the scheduler lets a running run finish its step and
      // release its lease before the store closes.
      await scheduler?.stop();
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

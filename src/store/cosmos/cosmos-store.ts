/**
 * The Azure Cosmos DB `Store` (docs/storage.md, "Cosmos DB"). Database `reach` (by default)
 * with three containers, all partitioned by `/policyId`:
 *
 * - `cases`: case documents (summary, history, pending derived work), open slots, erasure
 *   records, rule state, run records and leases (TTL on, so old leases go by themselves),
 *   each policy's channel binding, and the Teams conversations, which belong to no policy,
 *   in the reserved partition `~teams` (cosmos-teams.ts), and the installation's secret,
 *   in the reserved partition `~installation` (cosmos-installation.ts);
 * - `outbox`: one document per outbox entry;
 * - `audit`: one document per audit record.
 *
 * No write relies on a multi-document transaction or a batch: each is one conditional
 * single-document write, and every derived document has an idempotent id.
 */
import type { Agent } from "node:https";
import {
  type Container,
  CosmosClient,
  type CosmosClientOptions,
  type Database,
  type RetryOptions,
} from "@azure/cosmos";
import type { RuleState } from "../../rules/index.ts";
import { checkSubmissions } from "../append-plan.ts";
import type {
  AppendRequest,
  AppendResult,
  AuditRecord,
  CaseFilter,
  CaseSummary,
  ErasureRecord,
  StoredAuditRecord,
  StoredCase,
} from "../case-records.ts";
import type {
  OutboxCounts,
  OutboxEntry,
  OutboxFilter,
  OutboxKey,
  OutboxSubmission,
} from "../outbox-records.ts";
import type { PolicyVersion, PolicyVersionSubmission } from "../policy-versions.ts";
import type {
  LeaseRequest,
  LeaseResult,
  RunFilter,
  RunRecord,
  SavedRuleState,
  SaveRuleStateResult,
} from "../run-records.ts";
import type { Store } from "../store.ts";
import type {
  BindingPurpose,
  ChannelBinding,
  ConversationFilter,
  ConversationRecord,
} from "../teams-records.ts";
import { CosmosCases, type CosmosFaults } from "./cosmos-cases.ts";
import { installationSecret } from "./cosmos-installation.ts";
import { CosmosOutbox } from "./cosmos-outbox.ts";
import { CosmosPolicyVersions } from "./cosmos-policy-versions.ts";
import { CosmosAudit, CosmosRuns } from "./cosmos-runs.ts";
import { CosmosTeams } from "./cosmos-teams.ts";

export const DEFAULT_COSMOS_DATABASE = "reach";

export interface CosmosContainerNames {
  cases: string;
  outbox: string;
  audit: string;
}

export const DEFAULT_COSMOS_CONTAINERS: CosmosContainerNames = {
  cases: "cases",
  outbox: "outbox",
  audit: "audit",
};

/**
 * 429 (request rate too large) is retried by the SDK, waiting as long as Cosmos's
 * `x-ms-retry-after-ms` says: up to 9 times and 30 s per operation, so a burst of a run's
 * writes slows down instead of failing.
 */
export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  maxRetryAttemptCount: 9,
  fixedRetryIntervalInMilliseconds: 0,
  maxWaitTimeInSeconds: 30,
};

export interface CosmosStoreOptions {
  endpoint: string;
  /** Account key auth; give this or `credential`. */
  key?: string;
  /** Entra ID auth (managed identity): e.g. `new DefaultAzureCredential()` from `@azure/identity`. */
  credential?: CosmosClientOptions["aadCredentials"];
  /** Database id; `reach` when absent. */
  database?: string;
  containers?: Partial<CosmosContainerNames>;
  /** Create the database and containers if missing (`ensureCosmosContainers`); default true. */
  createIfMissing?: boolean;
  /** How 429s are retried; `DEFAULT_RETRY_OPTIONS` when absent. */
  retryOptions?: RetryOptions;
  /** An HTTPS agent (a test server's self-signed certificate, a proxy). */
  agent?: Agent;
  /** Key of the hash that names a student's open slot; a fixed public one when absent. */
  slotSecret?: string;
  /** Test hooks that fail an append between its steps. */
  faults?: CosmosFaults;
}

export function cosmosClientFor(options: CosmosStoreOptions): CosmosClient {
  if ((options.key === undefined) === (options.credential === undefined)) {
    throw new Error("Cosmos DB: configure exactly one of key and credential");
  }
  const clientOptions: CosmosClientOptions = {
    endpoint: options.endpoint,
    connectionPolicy: { retryOptions: options.retryOptions ?? DEFAULT_RETRY_OPTIONS },
  };
  if (options.key !== undefined) clientOptions.key = options.key;
  if (options.credential !== undefined) clientOptions.aadCredentials = options.credential;
  if (options.agent !== undefined) clientOptions.agent = options.agent;
  return new CosmosClient(clientOptions);
}

/**
 * Creates the database and its three containers if missing. The `cases` container has TTL
 * on with no default expiry, so that lease documents (which carry a `ttl`) expire.
 */
export async function ensureCosmosContainers(
  client: CosmosClient,
  databaseId: string = DEFAULT_COSMOS_DATABASE,
  names: CosmosContainerNames = DEFAULT_COSMOS_CONTAINERS,
): Promise<{ database: Database; cases: Container; outbox: Container; audit: Container }> {
  const { database } = await client.databases.createIfNotExists({ id: databaseId });
  const partitionKey = { paths: ["/policyId"] };
  const [cases, outbox, audit] = await Promise.all([
    database.containers.createIfNotExists({ id: names.cases, partitionKey, defaultTtl: -1 }),
    database.containers.createIfNotExists({ id: names.outbox, partitionKey }),
    database.containers.createIfNotExists({ id: names.audit, partitionKey }),
  ]);
  return {
    database,
    cases: cases.container,
    outbox: outbox.container,
    audit: audit.container,
  };
}

export async function openCosmosStore(options: CosmosStoreOptions): Promise<CosmosStore> {
  const client = cosmosClientFor(options);
  const databaseId = options.database ?? DEFAULT_COSMOS_DATABASE;
  const names = { ...DEFAULT_COSMOS_CONTAINERS, ...options.containers };
  try {
    let containers: { cases: Container; outbox: Container; audit: Container };
    if (options.createIfMissing ?? true) {
      containers = await ensureCosmosContainers(client, databaseId, names);
    } else {
      const database = client.database(databaseId);
      containers = {
        cases: database.container(names.cases),
        outbox: database.container(names.outbox),
        audit: database.container(names.audit),
      };
    }
    return new CosmosStore(client, containers, options);
  } catch (error) {
    client.dispose();
    throw error;
  }
}

export class CosmosStore implements Store {
  private readonly cases: CosmosCases;
  private readonly outbox: CosmosOutbox;
  private readonly audit: CosmosAudit;
  private readonly runs: CosmosRuns;
  private readonly policyVersions: CosmosPolicyVersions;
  private readonly teams: CosmosTeams;

  private secret: Promise<string> | undefined;

  constructor(
    readonly client: CosmosClient,
    /** Exposed for tests that read every document (erasure). */
    readonly containers: { cases: Container; outbox: Container; audit: Container },
    options: Pick<CosmosStoreOptions, "slotSecret" | "faults"> = {},
  ) {
    this.outbox = new CosmosOutbox(containers.outbox);
    this.audit = new CosmosAudit(containers.audit);
    this.cases = new CosmosCases(
      containers.cases,
      this.outbox,
      this.audit,
      options.slotSecret ?? "reach-open-slot",
      options.faults,
    );
    this.runs = new CosmosRuns(containers.cases);
    this.teams = new CosmosTeams(containers.cases);
    this.policyVersions = new CosmosPolicyVersions(containers.cases);
  }

  getCase(policyId: string, caseId: string): Promise<StoredCase | undefined> {
    return this.cases.get(policyId, caseId);
  }

  findOpenCase(policyId: string, studentId: string): Promise<StoredCase | undefined> {
    return this.cases.findOpen(policyId, studentId);
  }

  listOpenCases(policyId: string): Promise<StoredCase[]> {
    return this.cases.listOpen(policyId);
  }

  listCases(filter?: CaseFilter): Promise<CaseSummary[]> {
    return this.cases.list(filter);
  }

  appendCaseEvents(request: AppendRequest): Promise<AppendResult> {
    return this.cases.append(request);
  }

  appendManyCaseEvents(requests: readonly AppendRequest[]): Promise<AppendResult[]> {
    return this.cases.appendMany(requests);
  }

  listErasures(policyId?: string): Promise<ErasureRecord[]> {
    return this.cases.listErasures(policyId);
  }

  appendAudit(policyId: string, records: readonly AuditRecord[]): Promise<void> {
    return this.audit.append(policyId, records);
  }

  listAudit(policyId: string, caseId: string): Promise<StoredAuditRecord[]> {
    return this.audit.list(policyId, caseId);
  }

  loadRuleState(policyId: string): Promise<SavedRuleState | undefined> {
    return this.runs.loadRuleState(policyId);
  }

  saveRuleState(policyId: string, asOf: string, state: RuleState): Promise<SaveRuleStateResult> {
    return this.runs.saveRuleState(policyId, asOf, state);
  }

  saveRun(run: RunRecord): Promise<void> {
    return this.runs.saveRun(run);
  }

  listRuns(filter?: RunFilter): Promise<RunRecord[]> {
    return this.runs.listRuns(filter);
  }

  acquireLease(request: LeaseRequest): Promise<LeaseResult> {
    return this.runs.acquireLease(request);
  }

  releaseLease(policyId: string, asOf: string, owner: string): Promise<boolean> {
    return this.runs.releaseLease(policyId, asOf, owner);
  }

  async enqueueOutbox(entries: readonly OutboxSubmission[]): Promise<number> {
    checkSubmissions(entries);
    return this.outbox.enqueue(entries);
  }

  /** Finishes what crashed appends left (the sweep), then claims. */
  async claimDue(
    now: string,
    limit: number,
    leaseMs: number,
    owner: string,
  ): Promise<OutboxEntry[]> {
    await this.cases.sweep();
    return this.outbox.claimDue(now, limit, leaseMs, owner);
  }

  markSending(key: OutboxKey, at: string): Promise<boolean> {
    return this.outbox.markSending(key, at);
  }

  markSent(key: OutboxKey, activityId: string | undefined, sentAt: string): Promise<boolean> {
    return this.outbox.markSent(key, activityId, sentAt);
  }

  reschedule(key: OutboxKey, dueAt: string, error: string): Promise<boolean> {
    return this.outbox.reschedule(key, dueAt, error);
  }

  deadLetter(key: OutboxKey, error: string): Promise<boolean> {
    return this.outbox.deadLetter(key, error);
  }

  getOutboxEntry(key: OutboxKey): Promise<OutboxEntry | undefined> {
    return this.outbox.get(key);
  }

  listOutbox(filter?: OutboxFilter): Promise<OutboxEntry[]> {
    return this.outbox.list(filter);
  }

  countOutbox(policyId?: string): Promise<OutboxCounts> {
    return this.outbox.count(policyId);
  }

  saveConversation(conversation: ConversationRecord): Promise<void> {
    return this.teams.saveConversation(conversation);
  }

  deletePersonalConversations(userAadObjectId: string): Promise<number> {
    return this.teams.deletePersonalConversations(userAadObjectId);
  }

  getConversation(id: string): Promise<ConversationRecord | undefined> {
    return this.teams.getConversation(id);
  }

  listConversations(filter?: ConversationFilter): Promise<ConversationRecord[]> {
    return this.teams.listConversations(filter);
  }

  saveBinding(binding: ChannelBinding): Promise<void> {
    return this.teams.saveBinding(binding);
  }

  getBinding(policyId: string, purpose?: BindingPurpose): Promise<ChannelBinding | undefined> {
    return this.teams.getBinding(policyId, purpose);
  }

  listBindings(conversationId?: string): Promise<ChannelBinding[]> {
    return this.teams.listBindings(conversationId);
  }

  removeBinding(policyId: string, purpose?: BindingPurpose): Promise<boolean> {
    return this.teams.removeBinding(policyId, purpose);
  }
  async addPolicyVersion(
    submission: PolicyVersionSubmission,
    options: { onlyIfNew?: boolean } = {},
  ): Promise<{ version: PolicyVersion; created: boolean }> {
    return this.policyVersions.add(submission, options.onlyIfNew === true);
  }

  async listPolicyVersions(policyId: string, limit?: number): Promise<PolicyVersion[]> {
    return this.policyVersions.list(policyId, limit);
  }

  async getPolicyVersion(policyId: string, version: number): Promise<PolicyVersion | undefined> {
    return this.policyVersions.get(policyId, version);
  }

  /** Read once per store: it never changes. */
  installationSecret(): Promise<string> {
    this.secret ??= installationSecret(this.containers.cases).catch((error: unknown) => {
      this.secret = undefined;
      throw error;
    });
    return this.secret;
  }

  async finishInterrupted(): Promise<number> {
    return this.cases.sweep();
  }

  async close(): Promise<void> {
    this.client.dispose();
  }
}

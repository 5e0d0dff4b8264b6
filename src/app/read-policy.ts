/**
 * A policy, read in Teams (`@Reach policy [POLICY-ID]` in a channel, `policy POLICY-ID` in
 * a personal chat): its settings and each rule in plain words, with last week's figures per
 * rule. It names no student — counts only — so any member of staff on the roster may read
 * it. Someone not on the roster is told nothing (not even which policies there are), and
 * the refusal is audited; so is a policy id Reach does not serve. A read is audited in the
 * policy's trail like other reads.
 *
 * In a channel the policy may be left out when one policy is linked there (its cases or its
 * leads' channel); with several, the answer lists them.
 */
import { auditEntry, type CaseEvent } from "../cases/index.ts";
import { type DayNumber, localDate, parseIsoDate } from "../data/dates.ts";
import type { Staff } from "../data/schema.ts";
import type { Policy } from "../rules/index.ts";
import {
  describePolicy,
  type PolicyDescription,
  type RuleWeek,
  summariseRuleWeek,
} from "../run/index.ts";
import type { Store } from "../store/index.ts";
import { actorLabel, auditRefusal, clip } from "./audit-refusal.ts";
import type { Directory } from "./directory.ts";

/** What someone not on the staff roster is told: the same whatever they named. */
export const POLICY_STRANGER_TEXT =
  "Sorry — Reach doesn't know you as a member of staff, so it can't show you the policy. If you support students, ask your engagement lead to add you to the staff roster.";

/** The audit action of a policy read. */
export const READ_POLICY_ACTION = "read_policy";

/** A policy in words with last week's figures per rule; names no student. */
export interface PolicyView {
  policy: PolicyDescription;
  /** Last week's figures, one row per rule in the policy's order. */
  week: RuleWeek;
  /** The values a lead may change from the card, as the policy has them now (no forms when absent). */
  editable?: EditableValues;
}

/** What the card's "Change…" forms start from. */
export interface EditableValues {
  windowDays: number;
  rules: EditableRule[];
}

export interface EditableRule {
  id: string;
  /** The rule's first metric test, when it has one: its metric, comparator and threshold. */
  test?: { metric: string; op: string; threshold: number };
  forRuns: number;
  severity: Policy["rules"][number]["severity"];
  watch: boolean;
  enabled: boolean;
}

/** The values of `policy` a lead may change from the card. */
export function editableValues(policy: Policy): EditableValues {
  return {
    windowDays: policy.windowDays,
    rules: policy.rules.map((rule) => {
      const test = firstMetricTest(rule.when);
      const editable: EditableRule = {
        id: rule.id,
        forRuns: rule.forRuns,
        severity: rule.severity,
        watch: rule.action === "watch",
        enabled: rule.enabled,
      };
      if (test !== undefined) {
        editable.test = { metric: test.metric, op: test.op, threshold: test.threshold };
      }
      return editable;
    }),
  };
}

type MetricCondition = Extract<Policy["rules"][number]["when"], { kind: "metric" }>;

/** The first metric test of a condition, depth first in the order written. */
export function firstMetricTest(
  condition: Policy["rules"][number]["when"],
): MetricCondition | undefined {
  switch (condition.kind) {
    case "metric":
      return condition;
    case "not":
      return firstMetricTest(condition.of);
    default:
      for (const part of condition.of) {
        const found = firstMetricTest(part);
        if (found !== undefined) return found;
      }
      return undefined;
  }
}

export type PolicyRead =
  | { kind: "shown"; view: PolicyView }
  /** Not on the staff roster: told nothing. */
  | { kind: "stranger" }
  /**
   * No policy named, and the channel does not settle it: `linkedHere` lists the policies
   * linked to the channel (several), `known` every policy served.
   */
  | { kind: "which_policy"; linkedHere: string[]; known: string[] }
  /** `policyId` clipped and with control characters shown as "?". */
  | { kind: "unknown_policy"; policyId: string; known: string[] };

export interface PolicyReadRequest {
  store: Store;
  directory: Directory;
  /** The policy named, if any (unchecked: as typed). */
  policyId: string | undefined;
  /** Who is asking, as Teams vouches for them. */
  aadObjectId: string | undefined;
  /** The channel asked in (absent in a personal chat): its linked policy may be left out. */
  channelId?: string;
  /** ISO instant of the request: the week ends on its date in the policy's time zone. */
  at: string;
  /** A school's name where the data has one, else its id. */
  schoolName?: (schoolId: string) => string;
}

/** Runs read for the week's watch counts: a week holds a handful of runs per policy. */
const RUNS_READ = 200;

export async function readPolicy(request: PolicyReadRequest): Promise<PolicyRead> {
  const found = await policyAsked(request, READ_POLICY_ACTION);
  if ("kind" in found) return found;
  const { staff, policy } = found;
  await request.store.appendAudit(policy.id, [
    auditEntry(staff.id, request.at, READ_POLICY_ACTION, "", {
      allowed: true,
      why: `${staff.name} read the policy and last week's figures per rule (counts only, no student named)`,
    }),
  ]);
  return {
    kind: "shown",
    view: await policyView(request.store, policy, request.at, request.schoolName),
  };
}

/**
 * The member of staff asking and the policy they named (or the one linked to the channel),
 * or the answer when there is none: a stranger, an unknown policy, or which one? Refusals
 * are audited under `action`.
 */
export async function policyAsked(
  request: PolicyReadRequest,
  action: string,
): Promise<{ staff: Staff; policy: Policy } | Exclude<PolicyRead, { kind: "shown" }>> {
  const { store, directory, at } = request;
  const staff = directory.staffByAad(request.aadObjectId);
  if (staff === undefined) {
    await auditRefusal(store, directory, {
      actor: actorLabel(request.aadObjectId),
      at,
      action,
      policyId: request.policyId,
      why: "the Teams user is not on the staff roster",
      refusal: "not_authorised",
    });
    return { kind: "stranger" };
  }
  const known = [...directory.policies.keys()].sort();
  let policyId = request.policyId;
  if (policyId === undefined) {
    const linkedHere =
      request.channelId === undefined
        ? []
        : [...new Set((await store.listBindings(request.channelId)).map((b) => b.policyId))]
            .filter((id) => directory.policies.has(id))
            .sort();
    if (linkedHere.length !== 1) return { kind: "which_policy", linkedHere, known };
    policyId = linkedHere[0];
  }
  const policy = directory.policies.get(policyId);
  if (policy === undefined) {
    await auditRefusal(store, directory, {
      actor: staff.id,
      at,
      action,
      policyId,
      why: "the policy is not served",
      refusal: "invalid_input",
    });
    return { kind: "unknown_policy", policyId: clip(policyId, 100), known };
  }
  return { staff, policy };
}

/** `policy` in words, with last week's figures to the date of `at` in its time zone. */
export async function policyView(
  store: Store,
  policy: Policy,
  at: string,
  schoolName?: (schoolId: string) => string,
): Promise<PolicyView> {
  const date = parseIsoDate(localDate(at, policy.timezone)) as DayNumber;
  const week = await weekOf(store, policy, date);
  const described = describePolicy(policy, schoolName === undefined ? {} : { schoolName });
  return { policy: described, week, editable: editableValues(policy) };
}

/** Last week's figures per rule, from the cases touched this week and the week's runs. */
async function weekOf(store: Store, policy: Policy, date: DayNumber): Promise<RuleWeek> {
  // Only a case with an event in the week can count: its last event is in it or later.
  const from = summariseRuleWeek({ policy, date, cases: [], runs: [] }).week.from;
  const summaries = (await store.listCases({ policyId: policy.id })).filter(
    (c) => localDate(c.updatedAt, policy.timezone) >= from,
  );
  const cases: (readonly CaseEvent[])[] = [];
  for (const summary of summaries) {
    const stored = await store.getCase(policy.id, summary.caseId);
    if (stored !== undefined) cases.push(stored.events);
  }
  const runs = await store.listRuns({ policyId: policy.id, limit: RUNS_READ });
  return summariseRuleWeek({ policy, date, cases, runs });
}

/**
 * `reach cases list|show|export` and `reach erase --student`: the case store from the
 * command line. Restricted note text is never printed here (the reader is nobody in
 * particular, as on a channel card).
 */
import { userInfo } from "node:os";
import { auditEntry } from "../cases/audit.ts";
import { rosterOf } from "../cases/authorise.ts";
import { foldCase } from "../cases/case-state.ts";
import { caseView } from "../cases/case-view.ts";
import { CASE_STATUSES, ENGINE_ACTOR } from "../cases/case-vocabulary.ts";
import { decide } from "../cases/decide.ts";
import { csvLine } from "../data/csv.ts";
import type { CaseSummary } from "../store/case-records.ts";
import { EXIT_ERROR, EXIT_OK } from "./exit-codes.ts";
import { openStore } from "./open-store.ts";
import { type Output, table } from "./output.ts";

export interface CasesArgs {
  policy?: string;
  state?: string;
  json: boolean;
  format?: string;
  db?: string;
}

const COLUMNS = [
  "caseId",
  "policyId",
  "studentId",
  "school",
  "status",
  "severity",
  "assignee",
  "asOf",
  "openedAt",
  "updatedAt",
  "version",
] as const;

function statusFilter(state: string | undefined, out: Output): string | undefined | false {
  if (state === undefined) return undefined;
  if ((CASE_STATUSES as readonly string[]).includes(state)) return state;
  out.error(`reach cases: --state ${state} is not one of ${CASE_STATUSES.join(", ")}`);
  return false;
}

export async function casesList(args: CasesArgs, out: Output): Promise<number> {
  const status = statusFilter(args.state, out);
  if (status === false) return EXIT_ERROR;
  const store = await openStore(args.db);
  try {
    const cases = await store.listCases({
      ...(args.policy !== undefined && { policyId: args.policy }),
      ...(status !== undefined && { status: status as CaseSummary["status"] }),
    });
    if (args.json) {
      out.write(`${JSON.stringify({ cases })}\n`);
      return EXIT_OK;
    }
    if (cases.length === 0) {
      out.log("No cases.");
      return EXIT_OK;
    }
    const rows = cases.map((c) => [
      c.caseId,
      c.policyId,
      c.studentId,
      c.status,
      c.severity,
      c.assignee ?? "",
      c.asOf,
    ]);
    for (const line of table(
      ["case", "policy", "student", "status", "severity", "assignee", "data as of"],
      rows,
    )) {
      out.log(line);
    }
    out.log(`${cases.length} case(s)`);
    return EXIT_OK;
  } finally {
    await store.close();
  }
}

export async function casesShow(
  caseId: string | undefined,
  args: CasesArgs,
  out: Output,
  now: () => Date = () => new Date(),
): Promise<number> {
  if (!caseId) {
    out.error("usage: reach cases show <case id>");
    return EXIT_ERROR;
  }
  const store = await openStore(args.db);
  try {
    const [summary] = await store.listCases({ caseId });
    const stored = summary && (await store.getCase(summary.policyId, caseId));
    const state = stored && foldCase(stored.events);
    if (!state) {
      out.error(`reach cases: no case ${caseId}`);
      return EXIT_ERROR;
    }
    // A read of a case's full detail is recorded, here as a data manager's on the host.
    await store.appendAudit(summary.policyId, [
      auditEntry(`cli:${userInfo().username}`, now().toISOString(), "read", caseId, {
        allowed: true,
        why: "read on the command line of the store's host",
      }),
    ]);
    const view = caseView(state, null, rosterOf([]));
    if (args.json) {
      out.write(
        `${JSON.stringify({ case: view, events: stored.events.map((e) => ({ type: e.type, actor: e.actor, at: e.at, version: e.version })) })}\n`,
      );
      return EXIT_OK;
    }
    out.log(`Case ${view.caseId} (${view.policyId}) — student ${view.studentId}, ${view.school}`);
    out.log(
      `  ${view.status}, ${view.severity}${view.assignee ? `, assigned to ${view.assignee.name}` : ""}; data as of ${view.asOf}; version ${view.version}`,
    );
    for (const s of view.signals) {
      out.log(`  ${s.inhibited ? "(hidden) " : ""}${s.ruleName} [${s.severity}]`);
      for (const c of s.conditions) out.log(`    - ${c.evidence}`);
    }
    out.log("  History:");
    for (const e of stored.events) out.log(`    v${e.version} ${e.at} ${e.type} by ${e.actor}`);
    return EXIT_OK;
  } finally {
    await store.close();
  }
}

export async function casesExport(args: CasesArgs, out: Output): Promise<number> {
  const format = args.format ?? "json";
  if (format !== "json" && format !== "csv") {
    out.error(`reach cases export: --format ${format} is not csv or json`);
    return EXIT_ERROR;
  }
  const store = await openStore(args.db);
  try {
    const cases = await store.listCases(args.policy !== undefined ? { policyId: args.policy } : {});
    if (format === "json") out.write(`${JSON.stringify({ cases })}\n`);
    else {
      out.write(`${COLUMNS.join(",")}\n`);
      for (const c of cases) out.write(`${csvLine(COLUMNS.map((k) => String(c[k] ?? "")))}\n`);
    }
    return EXIT_OK;
  } finally {
    await store.close();
  }
}

/**
 * Right to erasure: every case of the student loses their id, the evidence and all free
 * text; the counts stay, and the store records the erasure. The rule state forgets them.
 */
export async function eraseStudent(
  studentId: string | undefined,
  args: CasesArgs,
  out: Output,
  now: () => Date = () => new Date(),
): Promise<number> {
  if (!studentId) {
    out.error("usage: reach erase --student <id>");
    return EXIT_ERROR;
  }
  const store = await openStore(args.db);
  try {
    const cases = await store.listCases({
      studentId,
      ...(args.policy !== undefined && { policyId: args.policy }),
    });
    let erased = 0;
    const policies = new Set<string>();
    for (const summary of cases) {
      policies.add(summary.policyId);
      const stored = await store.getCase(summary.policyId, summary.caseId);
      if (!stored) continue;
      const state = foldCase(stored.events);
      if (state?.status === "erased") continue;
      const decision = decide(
        stored.events,
        { type: "erase", version: stored.version, at: now().toISOString() },
        ENGINE_ACTOR,
        {
          caseId: stored.caseId,
          student: undefined,
          policy: { id: summary.policyId, schools: [summary.school], access: "advisees" },
          roster: rosterOf([]),
        },
      );
      if (!decision.ok) {
        out.error(`reach erase: case ${stored.caseId}: ${decision.refusal.message}`);
        continue;
      }
      const result = await store.appendCaseEvents({
        policyId: summary.policyId,
        caseId: stored.caseId,
        expectedVersion: stored.version,
        events: decision.events,
        audit: [decision.audit],
      });
      if (result.ok) erased++;
      else
        out.error(
          `reach erase: case ${stored.caseId} changed meanwhile (${result.reason}); run erase again`,
        );
    }
    for (const policyId of policies) {
      const saved = await store.loadRuleState(policyId);
      if (!saved) continue;
      const state = saved.state;
      await store.saveRuleState(policyId, saved.asOf, {
        ...state,
        holding: state.holding.filter((h) => h.studentId !== studentId),
        cooldowns: state.cooldowns.filter((c) => c.studentId !== studentId),
        snoozes: state.snoozes.filter((s) => s.studentId !== studentId),
      });
    }
    out.log(
      `${erased} case(s) erased for the student; counts kept, personal data and notes removed.`,
    );
    return EXIT_OK;
  } finally {
    await store.close();
  }
}

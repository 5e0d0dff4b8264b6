/**
 * `reach cases list|show|export` and `reach erase --student`: the case store from the
 * command line. Restricted note text is never printed here (the reader is nobody in
 * particular, as on a channel card).
 */
import {
  DEFAULT_QUARANTINE_DIR,
  eraseStudent as eraseStudentData,
  listCasesForOperator,
  openStore,
  showCaseToOperator,
} from "../app/index.ts";
import { CASE_STATUSES, parseCaseId, parsePolicyId, parseStudentId } from "../cases/index.ts";
import { csvLine } from "../data/csv.ts";
import type { CaseSummary } from "../store/index.ts";
import { EXIT_ERROR, EXIT_OK } from "./exit-codes.ts";
import { operatorName } from "./operator-args.ts";
import { type Output, table } from "./output.ts";

export interface CasesArgs {
  policy?: string;
  state?: string;
  json: boolean;
  format?: string;
  db?: string;
  /** `reach erase --entra-id`: the student's Entra object id, for their chat with Reach. */
  entraId?: string;
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
  out.error(`reach cases list: --state ${state} is not one of ${CASE_STATUSES.join(", ")}`);
  return false;
}

export async function casesList(
  args: CasesArgs,
  out: Output,
  now: () => Date = () => new Date(),
): Promise<number> {
  const status = statusFilter(args.state, out);
  if (status === false) return EXIT_ERROR;
  const store = await openStore(args.db, process.env, { create: false });
  try {
    const cases = await listCasesForOperator(
      store,
      {
        ...(args.policy !== undefined && { policyId: args.policy }),
        ...(status !== undefined && { status: status as CaseSummary["status"] }),
      },
      { operator: `cli:${operatorName()}`, at: now().toISOString(), action: "list" },
    );
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
    out.error("reach cases show: give a case id (reach cases list shows them)");
    return EXIT_ERROR;
  }
  const id = parseCaseId(caseId);
  if (id === undefined) {
    out.error(`reach cases show: ${JSON.stringify(caseId.slice(0, 100))} is not a case id`);
    return EXIT_ERROR;
  }
  const store = await openStore(args.db, process.env, { create: false });
  try {
    const read = await showCaseToOperator({
      store,
      operator: `cli:${operatorName()}`,
      caseId: id,
      at: now().toISOString(),
    });
    if (read.kind === "missing") {
      out.error(`reach cases show: no case ${caseId}`);
      return EXIT_ERROR;
    }
    const { view, stored } = read;
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
      const mark = s.watch === true ? "(watching) " : s.inhibited ? "(hidden) " : "";
      out.log(`  ${mark}${s.ruleName} [${s.severity}]`);
      for (const c of s.conditions) out.log(`    - ${c.evidence}`);
    }
    out.log("  History:");
    for (const e of stored.events) out.log(`    v${e.version} ${e.at} ${e.type} by ${e.actor}`);
    return EXIT_OK;
  } finally {
    await store.close();
  }
}

export async function casesExport(
  args: CasesArgs,
  out: Output,
  now: () => Date = () => new Date(),
): Promise<number> {
  const format = args.format ?? "json";
  if (format !== "json" && format !== "csv") {
    out.error(`reach cases export: --format ${format} is not csv or json`);
    return EXIT_ERROR;
  }
  const store = await openStore(args.db, process.env, { create: false });
  try {
    const cases = await listCasesForOperator(
      store,
      args.policy !== undefined ? { policyId: args.policy } : {},
      { operator: `cli:${operatorName()}`, at: now().toISOString(), action: "export" },
    );
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
 * Right to erasure (src/app/erase-student.ts): every case of the student loses their id,
 * the evidence and all free text; the counts stay, and the store records the erasure. The
 * rule state forgets them, and the quarantine files lose the rows that mention them.
 */
export async function eraseStudent(
  studentId: string | undefined,
  args: CasesArgs,
  out: Output,
  now: () => Date = () => new Date(),
): Promise<number> {
  if (!studentId) {
    out.error("reach erase: give --student <id> (see reach erase --help)");
    return EXIT_ERROR;
  }
  const student = parseStudentId(studentId);
  const policy = args.policy === undefined ? undefined : parsePolicyId(args.policy);
  if (student === undefined || (args.policy !== undefined && policy === undefined)) {
    const what = student === undefined ? `--student ${studentId}` : `--policy ${args.policy}`;
    out.error(`reach erase: ${JSON.stringify(what.slice(0, 120))} is not an id`);
    return EXIT_ERROR;
  }
  const user = operatorName();
  const store = await openStore(args.db, process.env, { create: false });
  try {
    const result = await eraseStudentData({
      store,
      studentId: student,
      ...(policy !== undefined && { policyId: policy }),
      at: now().toISOString(),
      // Where runs write rejected rows unless given --quarantine: in the Reach folder.
      quarantineDir: DEFAULT_QUARANTINE_DIR,
      actor: `cli:${user}`,
      ...(args.entraId !== undefined && { aadObjectIds: [args.entraId] }),
    });
    for (const f of result.failed) out.error(`reach erase: case ${f.caseId}: ${f.reason}`);
    const chats =
      args.entraId === undefined ? "" : `, ${result.conversationsRemoved} chat record(s) removed`;
    out.log(
      `${result.erased} case(s) erased for the student, ${result.quarantineRowsRemoved} quarantined row(s) removed${chats}; counts kept, personal data and notes removed.`,
    );
    return result.failed.length > 0 ? EXIT_ERROR : EXIT_OK;
  } finally {
    await store.close();
  }
}

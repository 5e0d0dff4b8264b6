import {
  type Digest,
  type DigestOptions,
  openStore,
  postWeeklyDigest,
  weeklyDigest,
} from "../app/index.ts";
import type { ImportResult } from "../data/adapters/adapter.ts";
import type { SourceName } from "../data/adapters/index.ts";
import { type DayNumber, localDate, parseIsoDate } from "../data/dates.ts";
import {
  formatProblem,
  isDirectory,
  loadPolicyDir,
  loadPolicyFile,
  type Policy,
} from "../rules/index.ts";
import { EXIT_ERROR, EXIT_OK, EXIT_PARTIAL_IMPORT } from "./exit-codes.ts";
import { operatorName, sourceAndDataProblems } from "./operator-args.ts";
import { type Output, table } from "./output.ts";
import { importProgress } from "./run-command.ts";

const NAME = "reach digest";

/** The options `reach digest` takes (main.ts holds it to them). */
export const DIGEST_OPTIONS = [
  "policy",
  "policy-id",
  "source",
  "data",
  "date",
  "db",
  "json",
  "post",
] as const;

/** Its usage: the synopsis lines and the description. */
export const DIGEST_USAGE = {
  synopsis: [
    "reach digest --policy <file|dir> [--policy-id <id>] --source <source>",
    "--data <dir> [--date <YYYY-MM-DD>] [--db <file>] [--json] [--post]",
  ],
  description: [
    "a policy's weekly digest for its leads: the 7 days",
    "before --date (default today in the policy's time",
    "zone) against the 7 before; cases, first contacts,",
    "noisy rules, runs, engagement, fairness; counts",
    "only, no student named; --post queues it for the",
    "leads' channel in Teams (once per policy and date)",
  ],
};

export interface DigestArgs {
  policy?: string;
  policyId?: string;
  source?: string;
  data?: string;
  date?: string;
  db?: string;
  json: boolean;
  post: boolean;
}

export async function digestCommand(
  args: DigestArgs,
  out: Output,
  now: () => Date = () => new Date(),
): Promise<number> {
  const problems: string[] = [];
  if (!args.policy) problems.push("--policy <file|dir> is required");
  problems.push(...sourceAndDataProblems(args));
  const date = args.date === undefined ? undefined : parseIsoDate(args.date);
  if (args.date !== undefined && date === undefined) {
    problems.push(`--date ${args.date} is not a date as YYYY-MM-DD`);
  }
  if (problems.length > 0) {
    for (const p of problems) out.error(`${NAME}: ${p} (see ${NAME} --help)`);
    return EXIT_ERROR;
  }
  const policy = await choosePolicy(args.policy as string, args.policyId, out);
  if (policy === undefined) return EXIT_ERROR;

  const at = now();
  const day = date ?? (parseIsoDate(localDate(at, policy.timezone)) as DayNumber);
  let partial = false;
  const store = await openStore(args.db, process.env, { create: false });
  try {
    const options: DigestOptions = {
      store,
      policy,
      source: args.source as SourceName,
      dataDir: args.data as string,
      date: day,
      at: at.toISOString(),
      actor: `cli:${operatorName()}`,
      onProgress: importProgress(out),
      onImported: (imported) => {
        out.progress(undefined);
        partial = imported.report.partial;
        reportImport(imported, out);
      },
    };
    if (args.post) {
      const posted = await postWeeklyDigest(options);
      print(posted.digest, args.json, out, { queued: posted.queued, outboxId: posted.outboxId });
    } else {
      print(await weeklyDigest(options), args.json, out);
    }
  } finally {
    out.progress(undefined);
    await store.close();
  }
  return partial ? EXIT_PARTIAL_IMPORT : EXIT_OK;
}

/**
 * The policy of a file, or of a folder of policies: the one with `--policy-id`, or its
 * only one. Prints why not and answers undefined when there is none to take.
 */
async function choosePolicy(
  path: string,
  policyId: string | undefined,
  out: Output,
): Promise<Policy | undefined> {
  const folder = await isDirectory(path);
  const loaded = folder ? await loadPolicyDir(path) : await loadPolicyFile(path);
  if (!loaded.ok) {
    for (const p of loaded.errors) out.error(formatProblem(p));
    out.error(`${NAME}: ${path} is not a valid policy${folder ? " folder" : ""}; nothing was made`);
    return undefined;
  }
  const policies = "policies" in loaded ? loaded.policies : [loaded.policy];
  const ids = policies.map((p) => p.id).join(", ");
  if (policyId !== undefined) {
    const found = policies.find((p) => p.id === policyId);
    if (found === undefined) {
      out.error(`${NAME}: no policy "${policyId}" in ${path} (it has: ${ids})`);
    }
    return found;
  }
  if (policies.length > 1) {
    out.error(`${NAME}: ${path} holds several policies (${ids}): give one with --policy-id`);
    return undefined;
  }
  return policies[0];
}

/** The import's problems, counted: `reach run --dry-run` lists each one, this names none. */
function reportImport(imported: ImportResult, out: Output): void {
  const { report } = imported;
  const refused = report.files.filter((f) => f.error !== undefined).map((f) => f.file);
  if (report.rowsRejected === 0 && refused.length === 0) return;
  out.error(
    `${NAME}: the import was partial: ${report.rowsRejected} rows rejected` +
      (refused.length > 0 ? `, not read: ${refused.join(", ")}` : "") +
      " (reach run --dry-run lists each one; none is named here)",
  );
}

function print(
  digest: Digest,
  json: boolean,
  out: Output,
  post?: { queued: boolean; outboxId: string },
): void {
  if (json) {
    out.write(`${JSON.stringify(post === undefined ? digest : { ...digest, post })}\n`);
    return;
  }
  for (const line of digestLines(digest)) out.log(line);
  if (post !== undefined) {
    out.log("");
    out.log(
      post.queued
        ? `Queued for Teams (${post.outboxId}): it goes to the policy's leads' channel, else its own channel.`
        : `Already queued for this date (${post.outboxId}): not posted again; the digest above is the one queued.`,
    );
  }
}

const words = (code: string) => code.replaceAll("_", " ");
const percent = (share: number | null) => (share === null ? "–" : `${Math.round(share * 100)}%`);

/** A change in percentage points between two shares: "▲ 3 pts", "▼ 5 pts", "0 pts". */
function points(week: number | null, previous: number | null): string {
  if (week === null || previous === null) return "";
  const change = Math.round(week * 100) - Math.round(previous * 100);
  return change > 0 ? `▲ ${change} pts` : change < 0 ? `▼ ${-change} pts` : "0 pts";
}

/** The change of a help row, in its unit: shares in percentage points. */
function change(value: number | null, unit: Digest["help"]["rows"][number]["unit"]): string {
  if (value === null) return "–";
  const n = unit === "share" ? value * 100 : value;
  const text = `${n > 0 ? "+" : ""}${n.toFixed(1)}`;
  return unit === "share" ? `${text} pts` : unit === "days" ? `${text} days` : text;
}

/** The digest as plain text, section by section. */
export function digestLines(d: Digest): string[] {
  const lines: string[] = [];
  const section = (title: string) => {
    lines.push("", title);
  };
  const indent = (rows: string[]) => {
    for (const r of rows) lines.push(`  ${r}`);
  };
  lines.push(`Weekly digest of policy ${d.policyId} (${d.policyName}), made on ${d.date}`);
  lines.push(
    `The week ${d.week.from} to ${d.week.to}, against the week before, ${d.previousWeek.from} to ${d.previousWeek.to}`,
  );

  const c = d.cases;
  section("Cases");
  indent(
    table(
      ["", "this week", "week before"],
      (["opened", "confirmed", "dismissed", "resolved"] as const).map((k) => [
        k,
        String(c[k]),
        String(c.previous[k]),
      ]),
    ),
  );
  const dismissed = c.dismissedByReason.map((r) => `${words(r.reason)} ${r.count}`).join(", ");
  const resolved = c.resolvedByOutcome.map((r) => `${words(r.outcome)} ${r.count}`).join(", ");
  indent([
    `dismissed by reason: ${dismissed || "none"}`,
    `resolved by outcome: ${resolved || "none"}`,
    `open at the end of the week: ${c.openNow}`,
    `escalations awaiting a lead's decision: ${d.escalationsAwaiting}`,
    d.firstContact.cases === 0
      ? "first contact: no case had its first contact attempt this week"
      : `first contact: ${d.firstContact.cases} case(s) had their first contact attempt this week, ` +
        `a median of ${d.firstContact.medianDays?.toFixed(1)} days after the case opened`,
  ]);

  section(`Rules: cases confirmed or dismissed ${d.rulePeriod.from} to ${d.rulePeriod.to}`);
  if (d.rules.length === 0) indent(["the policy has no case rule"]);
  else {
    indent(
      table(
        ["rule", "decided", "dismissed", "dismissal rate", ""],
        d.rules.map((r) => [
          `${r.ruleId} (${r.name})`,
          String(r.decided),
          String(r.dismissed),
          percent(r.dismissalRate),
          r.noisy ? "noisy" : "",
        ]),
      ),
    );
    indent(["noisy: 5 or more decided, half or more of them dismissed"]);
  }

  if (d.watch.length > 0) {
    section("Watch rules: students each one fired for on the last run of the week");
    indent(
      table(
        ["rule", "this week", "week before"],
        d.watch.map((w) => [
          `${w.ruleId} (${w.name})`,
          w.week === null ? "–" : String(w.week),
          w.previous === null ? "–" : String(w.previous),
        ]),
      ),
    );
  }

  section("Runs and deliveries");
  indent([
    `runs this week: ${d.runs.succeeded} succeeded, ${d.runs.failed} failed, ${d.runs.skipped} skipped`,
    ...d.runs.failures.map((f) => `  failed ${f.asOf}: ${f.error}`),
    `messages that could not be delivered (dead letters): ${d.deadLetters.week} this week, ${d.deadLetters.total} in all`,
  ]);

  const h = d.hybrid;
  section(
    "Hybrid engagement: attendance (sessions attended) and digital (school days with any activity)",
  );
  const rows = [...h.schools, ...h.sections];
  if (rows.length === 0) indent(["no student of the policy's schools in scope"]);
  else {
    indent(
      table(
        ["", "students", "attendance", "before", "change", "digital", "before", "change"],
        rows.map((r) => [
          r.kind === "school" ? `school ${r.name}` : `  section ${r.name}`,
          String(r.students),
          percent(r.attendance.week),
          percent(r.attendance.previous),
          points(r.attendance.week, r.attendance.previous),
          percent(r.digital.week),
          percent(r.digital.previous),
          points(r.digital.week, r.digital.previous),
        ]),
      ),
    );
  }
  if (h.sectionsOmitted > 0) indent([`${h.sectionsOmitted} more section(s) not shown`]);
  if (h.sectionsSuppressed > 0) {
    indent([`${h.sectionsSuppressed} section(s) of fewer than 10 students not shown`]);
  }

  section(
    `Did the help help? Change in the rule's first measure ${d.help.schoolDaysAfter} school days after the first successful contact`,
  );
  if (d.help.rows.length === 0) indent(["no case to compare yet"]);
  else {
    indent(
      table(
        ["rule", "measure", "contacted", "median change", "not yet contacted", "median change"],
        d.help.rows.map((r) => [
          r.ruleId,
          r.metric,
          String(r.contacted.cases),
          change(r.contacted.medianChange, r.unit),
          String(r.notYetContacted.cases),
          change(r.notYetContacted.medianChange, r.unit),
        ]),
      ),
    );
    indent([
      "not yet contacted: confirmed cases with no successful contact over the same span; medians from 5 cases",
    ]);
  }

  const f = d.fairness;
  if (f !== undefined) {
    section(
      `Fairness, ${f.quarter.label} to date: students with a case opened in the quarter, by group`,
    );
    const o = f.overall;
    indent([
      `students in scope ${o.inScope}, with a case ${o.flagged}${o.rate === null ? "" : ` (${(o.rate * 100).toFixed(1)}%)`}`,
    ]);
    for (const field of f.fields) {
      indent(["", field.field]);
      indent(
        table(
          ["group", "in scope", "with a case", "rate", "ratio"],
          field.groups.map((g) => [
            g.group,
            String(g.inScope),
            String(g.flagged),
            g.rate === null ? "" : `${(g.rate * 100).toFixed(1)}%`,
            g.ratio === null ? "" : `${g.ratio.toFixed(2)}${g.outside ? " !" : ""}`,
          ]),
        ),
      );
    }
    indent([
      "ratio: the group's rate over everyone's; ! outside 0.8–1.25; <10 and suppressed: small cells hidden (docs/fairness.md)",
    ]);
  }
  return lines;
}

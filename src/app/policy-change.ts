/**
 * A change to a policy, previewed before it is saved: an engagement lead of the policy's
 * schools names a change (a rule's threshold, `for`, severity, enabled or action, or the
 * window); Reach reads the policy's file, applies the change to its text, checks the
 * result with the loader the files go through, and evaluates the policy as it is and as
 * it would be on the day's data. The answer is counts per rule — who would gain or lose a
 * finding, who would get a case or be watched — and the students' names only where the
 * person asking may read that student's case (`authorise(…, "read", …)` of cases/, one
 * subject per student); every other student is only counted.
 *
 * Nothing is saved and nothing is audited here: the preview returns the new text and its
 * diff, for the step that saves it as a new version.
 */
import { buildCalendars, type SchoolCalendar } from "../calendar/index.ts";
import { authorise, type CaseSubject, type Roster } from "../cases/index.ts";
import type { ImportResult } from "../data/adapters/adapter.ts";
import type { SourceName } from "../data/adapters/index.ts";
import type { Dataset } from "../data/dataset.ts";
import type { DayNumber } from "../data/dates.ts";
import type { Staff } from "../data/schema.ts";
import {
  applyPolicyChanges,
  type DataCheck,
  DataCheckFailed,
  loadPolicyText,
  type Policy,
  type PolicyChange,
  type PolicyChangeStage,
  type PolicyProblem,
  type RuleState,
  readPolicyFile,
} from "../rules/index.ts";
import {
  BacktestImpossible,
  backtestImported,
  type ChangePreview,
  type Movement,
  outcomesOfImport,
  parseAtPoints,
  policyTextHash,
  previewChange,
  type Score,
} from "../run/index.ts";

export { policyTextHash };

export interface PolicyChangePreviewRequest {
  /** The policy's file: the source of truth, read now. */
  policyFile: string;
  /** The data to preview on (the day's import). */
  dataset: Dataset;
  /** The data's calendars; built from `dataset` when absent. */
  calendars?: Map<string, SchoolCalendar>;
  /** One change, or several applied in turn (one form may change several fields). */
  change: PolicyChange | readonly PolicyChange[];
  asOf: DayNumber;
  /** Who asks: a member of staff by id, and the roster they are looked up in. */
  viewer: { staffId: string; roster: Roster };
  /** The rule state the next run would start from (the store's), if any. */
  previousState?: RuleState;
  /** Evaluate on this many school days ending on `asOf` (default 1). */
  runs?: number;
  /**
   * The import the data came from: where it has outcome history of its own (OULAD's final
   * results), the preview adds a backtest of the policy before and after the change.
   */
  imported?: { source: SourceName; result: ImportResult; breathe?: () => Promise<void> };
}

/** The offset a preview's backtest scores at: day 28 after each student's start. */
export const PREVIEW_BACKTEST_AT = "28";

/** A backtest of the policy before and after the change, at one point. */
export interface PreviewBacktest {
  /** The point, as `--at` names it: days after each student's start. */
  at: string;
  outcomesFrom: string;
  before: Score;
  after: Score;
}

/** A student the viewer may read: shown by name. */
export interface ShownStudent {
  studentId: string;
  displayName: string;
}

/** Counts, with the students the viewer may see; `notShown` of them are only counted. */
export interface ShownMovement {
  before: number;
  after: number;
  gained: number;
  lost: number;
  gainedShown: ShownStudent[];
  lostShown: ShownStudent[];
  /** Gained or lost students the viewer may not read: in the counts, not named. */
  gainedNotShown: number;
  lostNotShown: number;
}

export interface RulePreview extends ShownMovement {
  ruleId: string;
  ruleName: string;
  actionBefore?: "case" | "watch";
  actionAfter?: "case" | "watch";
}

export interface PolicyChangePreview {
  policyId: string;
  asOf: string;
  rules: RulePreview[];
  cases: ShownMovement;
  watched: ShownMovement;
  evaluated: { before: number; after: number };
}

export type PolicyChangePreviewOutcome =
  | {
      kind: "previewed";
      /** SHA-256 (hex) of the file's text as read for this preview. */
      fileHash: string;
      /** The file's text with the change: what saving would write. */
      text: string;
      /** A unified-style diff of the file; empty when the change changes nothing. */
      diff: string;
      changed: boolean;
      before: Policy;
      after: Policy;
      /** The loader's warnings on the changed file. */
      warnings: PolicyProblem[];
      preview: PolicyChangePreview;
      /** Present where the data has outcome history of its own. */
      backtest?: PreviewBacktest;
    }
  /** The viewer may not change this policy: why, in words for them. */
  | { kind: "refused"; why: string }
  /** The file could not be read. */
  | { kind: "unreadable"; problems: PolicyProblem[] }
  /** The change cannot be made, or the changed file does not load: nothing changed. */
  | { kind: "invalid"; stage: PolicyChangeStage; problems: PolicyProblem[] }
  /** The changed policy does not fit the data (a dry run of it would be refused). */
  | { kind: "does_not_fit_data"; check: DataCheck };

/**
 * Why `staff` may not change `policy`, or undefined when they may: an engagement lead of
 * one of the schools the policy names (a policy of every school, `["*"]`, names none).
 * Without a policy (its file does not load), whether they are an engagement lead at all.
 */
export function policyChangeRefusal(
  staff: Staff | undefined,
  policy: Pick<Policy, "id" | "schools"> | undefined,
): string | undefined {
  const what = policy === undefined ? "change a policy" : `change policy ${policy.id}`;
  if (staff === undefined) {
    return `Reach doesn't know you as a member of staff, and only an engagement lead of the policy's schools can ${what}.`;
  }
  if (!staff.roles.includes("engagement_lead")) {
    return `only an engagement lead of the policy's schools can ${what}, and ${staff.name} is not an engagement lead.`;
  }
  if (policy !== undefined && !policy.schools.includes(staff.school)) {
    return `only an engagement lead of the policy's schools (${policy.schools.join(", ")}) can ${what}.`;
  }
  return undefined;
}

export async function previewPolicyChange(
  request: PolicyChangePreviewRequest,
): Promise<PolicyChangePreviewOutcome> {
  const staff = request.viewer.roster.get(request.viewer.staffId);
  // Nothing of the file, not even whether it reads, to someone who could never change it.
  const notALead = policyChangeRefusal(staff, undefined);
  if (notALead !== undefined) return { kind: "refused", why: notALead };
  const read = await readPolicyFile(request.policyFile);
  if ("problem" in read) return { kind: "unreadable", problems: [read.problem] };
  const current = loadPolicyText(read.text, request.policyFile);
  if (!current.ok) return { kind: "invalid", stage: "current", problems: current.errors };
  const refusal = policyChangeRefusal(staff, current.policy);
  if (refusal !== undefined) return { kind: "refused", why: refusal };
  const changes = Array.isArray(request.change)
    ? (request.change as readonly PolicyChange[])
    : [request.change as PolicyChange];
  const applied = applyPolicyChanges(read.text, request.policyFile, changes);
  if (!applied.ok) return { kind: "invalid", stage: applied.stage, problems: applied.problems };

  const calendars = request.calendars ?? buildCalendars(request.dataset);
  let preview: ChangePreview;
  try {
    preview = previewChange({
      dataset: request.dataset,
      calendars,
      before: applied.before,
      after: applied.policy,
      asOf: request.asOf,
      ...(request.previousState !== undefined && { previousState: request.previousState }),
      ...(request.runs !== undefined && { runs: request.runs }),
    });
  } catch (error) {
    if (error instanceof DataCheckFailed) return { kind: "does_not_fit_data", check: error.check };
    throw error;
  }

  const backtest = await previewBacktest(request, applied.before, applied.policy);
  const mayRead = readableBy(request.viewer, request.dataset, applied.policy);
  const shown = (movement: Movement): ShownMovement => {
    const gained = named(movement.gainedIds, mayRead, request.dataset);
    const lost = named(movement.lostIds, mayRead, request.dataset);
    return {
      before: movement.before,
      after: movement.after,
      gained: movement.gained,
      lost: movement.lost,
      gainedShown: gained.shown,
      lostShown: lost.shown,
      gainedNotShown: gained.notShown,
      lostNotShown: lost.notShown,
    };
  };
  return {
    kind: "previewed",
    fileHash: policyTextHash(read.text),
    text: applied.text,
    diff: applied.diff,
    changed: applied.changed,
    before: applied.before,
    after: applied.policy,
    warnings: applied.warnings,
    ...(backtest !== undefined && { backtest }),
    preview: {
      policyId: preview.policyId,
      asOf: preview.asOf,
      rules: preview.rules.map((r) => {
        const rule: RulePreview = { ruleId: r.ruleId, ruleName: r.ruleName, ...shown(r) };
        if (r.actionBefore !== undefined) rule.actionBefore = r.actionBefore;
        if (r.actionAfter !== undefined) rule.actionAfter = r.actionAfter;
        return rule;
      }),
      cases: shown(preview.cases),
      watched: shown(preview.watched),
      evaluated: preview.evaluated,
    },
  };
}

/**
 * The backtest before and after, where the import has outcome history and the change
 * applies to it; absent otherwise (a backtest that cannot be scored says nothing here:
 * the counts above still stand).
 */
async function previewBacktest(
  request: PolicyChangePreviewRequest,
  before: Policy,
  after: Policy,
): Promise<PreviewBacktest | undefined> {
  const imported = request.imported;
  if (imported === undefined || imported.result.dataset !== request.dataset) return undefined;
  const outcomes = outcomesOfImport(imported.result, imported.source);
  if (outcomes === undefined) return undefined;
  const { points } = parseAtPoints(PREVIEW_BACKTEST_AT);
  const score = async (policy: Policy): Promise<Score | undefined> => {
    try {
      const result = await backtestImported({
        policy,
        source: imported.source,
        imported: imported.result,
        at: points,
        outcomes,
        ...(imported.breathe !== undefined && { breathe: imported.breathe }),
      });
      return result.points[0]?.policy;
    } catch (error) {
      if (error instanceof BacktestImpossible || error instanceof DataCheckFailed) return undefined;
      throw error;
    }
  };
  const was = await score(before);
  const is = await score(after);
  if (was === undefined || is === undefined) return undefined;
  return { at: PREVIEW_BACKTEST_AT, outcomesFrom: outcomes.from, before: was, after: is };
}

/** Whether the viewer may read a case about this student (answers kept per student). */
function readableBy(
  viewer: PolicyChangePreviewRequest["viewer"],
  dataset: Dataset,
  policy: Policy,
): (studentId: string) => boolean {
  const answers = new Map<string, boolean>();
  return (studentId) => {
    const known = answers.get(studentId);
    if (known !== undefined) return known;
    const student = dataset.students[dataset.studentIndex.get(studentId) ?? -1];
    let allowed = false;
    if (student !== undefined) {
      const subject: CaseSubject = { student, school: student.school, policy };
      allowed = authorise(viewer.staffId, "read", subject, viewer.roster).allowed;
    }
    answers.set(studentId, allowed);
    return allowed;
  };
}

function named(
  ids: readonly string[],
  mayRead: (studentId: string) => boolean,
  dataset: Dataset,
): { shown: ShownStudent[]; notShown: number } {
  const shown: ShownStudent[] = [];
  let notShown = 0;
  for (const studentId of ids) {
    const student = dataset.students[dataset.studentIndex.get(studentId) ?? -1];
    if (student !== undefined && mayRead(studentId)) {
      shown.push({ studentId, displayName: student.displayName });
    } else {
      notShown++;
    }
  }
  return { shown, notShown };
}

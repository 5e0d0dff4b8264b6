/**
 * Right to erasure for one student (docs/storage.md, "Erasure"): every case of theirs is
 * erased through `decide` (the store then rewrites its history, blanks its outbox and
 * records the erasure), the evaluator's rule state forgets them, and the quarantine files
 * of rejected import rows lose the rows that mention them. The counts stay.
 *
 * Store-neutral: the command line calls it, and so could a bot or an admin page.
 */
import {
  decide,
  ENGINE_ACTOR,
  foldCase,
  type PolicyId,
  rosterOf,
  type StudentId,
} from "../cases/index.ts";
import { scrubQuarantine } from "../data/quarantine-scrub.ts";
import type { CaseSummary, Store } from "../store/index.ts";

export interface EraseStudentInput {
  store: Store;
  studentId: StudentId;
  /** Only this policy's cases and rule state; every policy when absent. */
  policyId?: PolicyId;
  /** ISO timestamp of the erasure. */
  at: string;
  /** The folder of quarantine CSV files; none is scrubbed when absent. */
  quarantineDir?: string;
  /** Who asked for the erasure (e.g. `cli:<user>`), for the audit trail. */
  actor: string;
  /**
   * More of what identifies the student (display name, email), when the data is at hand,
   * for the quarantine files: a rejected row may name a student without their id.
   */
  alsoKnownAs?: string[];
  /**
   * The student's Entra object ids, when known: Reach's records of its chats with them
   * (made when they opened Reach, or when Reach installed itself to message them) go too.
   */
  aadObjectIds?: readonly string[];
}

export interface EraseStudentResult {
  erased: number;
  failed: { caseId: string; reason: string }[];
  quarantineRowsRemoved: number;
  /** Records of the student's personal chats with Reach deleted. */
  conversationsRemoved: number;
}

/** A concurrent run may save a newer rule state between the read and the write. */
const RULE_STATE_TRIES = 3;
const ALREADY_ERASED = "already erased";

export async function eraseStudent(input: EraseStudentInput): Promise<EraseStudentResult> {
  const { store, studentId } = input;
  const cases = await store.listCases({
    studentId,
    ...(input.policyId !== undefined && { policyId: input.policyId }),
  });
  const result: EraseStudentResult = {
    erased: 0,
    failed: [],
    quarantineRowsRemoved: 0,
    conversationsRemoved: 0,
  };
  // The rule state first: if a run keeps it busy, nothing is done yet and erasing again
  // does it all.
  for (const policyId of await policiesToScrub(store, cases, input.policyId)) {
    await forgetInRuleState(store, policyId, studentId);
  }
  for (const summary of cases) {
    const failure = await eraseCase(input, summary);
    if (failure === undefined) result.erased++;
    else if (failure !== ALREADY_ERASED) {
      result.failed.push({ caseId: summary.caseId, reason: failure });
    }
  }
  for (const aad of input.aadObjectIds ?? []) {
    if (aad.trim() !== "")
      result.conversationsRemoved += await store.deletePersonalConversations(aad);
  }
  if (input.quarantineDir !== undefined) {
    const needles = [studentId, ...(input.alsoKnownAs ?? [])];
    const scrub = await scrubQuarantine(input.quarantineDir, needles);
    result.quarantineRowsRemoved = scrub.rowsRemoved;
  }
  return result;
}

/** Undefined when erased; else why not. */
async function eraseCase(
  input: EraseStudentInput,
  summary: CaseSummary,
): Promise<string | undefined> {
  const { store } = input;
  const stored = await store.getCase(summary.policyId, summary.caseId);
  if (!stored) return "the case is gone";
  if (foldCase(stored.events)?.status === "erased") return ALREADY_ERASED;
  // The engine erases (the operator's tool, docs/cases.md): the person asking may not be
  // on any roster, and the roster is not at hand here.
  const decision = decide(
    stored.events,
    { type: "erase", version: stored.version, at: input.at },
    ENGINE_ACTOR,
    {
      caseId: stored.caseId,
      student: undefined,
      policy: { id: summary.policyId, schools: [summary.school], access: "advisees" },
      roster: rosterOf([]),
    },
  );
  if (!decision.ok) return decision.refusal.message;
  const appended = await store.appendCaseEvents({
    policyId: summary.policyId,
    caseId: stored.caseId,
    expectedVersion: stored.version,
    events: decision.events,
    audit: [{ ...decision.audit, why: `${decision.audit.why}, at the request of ${input.actor}` }],
  });
  return appended.ok ? undefined : `the case changed meanwhile (${appended.reason}); erase again`;
}

/**
 * The student's policies: those of their cases, and — since a condition can hold for a
 * student who has no case yet — every policy that has run.
 */
async function policiesToScrub(
  store: Store,
  cases: readonly CaseSummary[],
  policyId: string | undefined,
): Promise<string[]> {
  if (policyId !== undefined) return [policyId];
  const runs = await store.listRuns();
  return [...new Set([...cases.map((c) => c.policyId), ...runs.map((r) => r.policyId)])].sort();
}

async function forgetInRuleState(store: Store, policyId: string, studentId: string): Promise<void> {
  for (let i = 0; i < RULE_STATE_TRIES; i++) {
    const saved = await store.loadRuleState(policyId);
    if (!saved) return;
    const { state } = saved;
    const scrubbed = {
      ...state,
      holding: state.holding.filter((h) => h.studentId !== studentId),
      cooldowns: state.cooldowns.filter((c) => c.studentId !== studentId),
      snoozes: state.snoozes.filter((s) => s.studentId !== studentId),
    };
    const size = (s: typeof state) => s.holding.length + s.cooldowns.length + s.snoozes.length;
    if (size(scrubbed) === size(state)) return;
    if ((await store.saveRuleState(policyId, saved.asOf, scrubbed)).ok) return;
  }
  throw new Error(
    `the rule state of policy ${policyId} kept changing (a run is saving it): erase again`,
  );
}

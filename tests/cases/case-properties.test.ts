/**
 * Invariants of the case workflow under random command sequences made by random actors
 * (allowed or not), on current or stale versions, with valid and invalid payloads:
 *
 * - every event has an actor, a time, and a version equal to its position, and reads back;
 * - the state `decide` returns equals the fold of all events;
 * - refused commands add no events and leave the history untouched;
 * - a stale version, an actor without the right, a dismissed case's contact attempt, a
 *   closed case's anything but reopen (or erase), an erased case's anything: never accepted;
 * - every decision has its audit entry;
 * - erase leaves no personal data or note text, in the state or the rewritten history,
 *   and keeps the counts.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  CASE_COMMAND_TYPES,
  type CaseCommand,
  type CaseCommandType,
} from "../../src/cases/case-commands.ts";
import { type CaseEvent, parseCaseEvents } from "../../src/cases/case-events.ts";
import { type CaseState, foldCase } from "../../src/cases/case-state.ts";
import { ENGINE_ACTOR, STUDENT_ACTOR } from "../../src/cases/case-vocabulary.ts";
import { decide } from "../../src/cases/decide.ts";
import { eraseHistory } from "../../src/cases/erasure.ts";
import { ALLOWED_IN } from "../../src/cases/transitions.ts";
import { at, CASE_ID, CONTEXT, EVIDENCE, finding, STUDENT, signal } from "./case-fixtures.ts";

/** Weighted towards people who may act, so sequences get deep into the workflow. */
const ACTORS = [
  ENGINE_ACTOR,
  ENGINE_ACTOR,
  "ada",
  "ada",
  "ada",
  "dan",
  "lee",
  "lee",
  "ben",
  "lou",
  "adm",
  "zed",
];

/** Who may make each command on this student's case, written out independently of the code. */
function mayMake(type: CaseCommandType, actor: string): boolean {
  switch (type) {
    case "open":
    case "add_signal":
    case "record_outreach_sent":
    case "record_outreach_failed":
      return actor === ENGINE_ACTOR;
    case "record_student_reply":
    case "opt_out":
      return actor === STUDENT_ACTOR;
    case "decide_escalation":
      return actor === "lee";
    case "erase":
      return actor === "adm" || actor === ENGINE_ACTOR;
    case "propose_outreach":
    case "propose_escalation":
    case "close":
      return ["ada", "dan", "lee", ENGINE_ACTOR].includes(actor);
    default:
      return ["ada", "dan", "lee"].includes(actor);
  }
}

interface Step {
  /** The command type of an ill-made step. */
  type: CaseCommandType;
  /**
   * A well-made step is a command the case's status allows (picked by `pick`), from
   * someone allowed to make it, on the current version; only its payload may be wrong.
   */
  wellMade: boolean;
  pick: number;
  actor: string;
  /** Added to the current version: mostly 0. */
  versionOffset: number;
  /** Picks among valid and invalid payloads, and among allowed actors. */
  variant: number;
}

const PEOPLE = ["ada", "dan", "lee", "adm", ENGINE_ACTOR, STUDENT_ACTOR];

const step: fc.Arbitrary<Step> = fc.record({
  type: fc.constantFrom(...CASE_COMMAND_TYPES),
  wellMade: fc.boolean().chain((b) => (b ? fc.constant(true) : fc.boolean())),
  pick: fc.nat(),
  actor: fc.constantFrom(...ACTORS),
  versionOffset: fc.constantFrom(0, 0, 0, -1, 1, -3),
  variant: fc.nat(5),
});

/** The step as made on this case: its command type, actor and version. */
function made(s: Step, state: CaseState | undefined, version: number) {
  if (!s.wellMade) {
    return { type: s.type, actor: s.actor, version: Math.max(0, version + s.versionOffset) };
  }
  // Erasure ends a sequence, so well-made steps leave it to the ill-made ones.
  const allowedNow = state
    ? CASE_COMMAND_TYPES.filter((t) => t !== "erase" && ALLOWED_IN[t].includes(state.status))
    : ["open" as const];
  const type = allowedNow.length > 0 ? allowedNow[s.pick % allowedNow.length] : s.type;
  const people = PEOPLE.filter((p) => mayMake(type, p));
  return { type, actor: people[s.variant % people.length], version };
}

/** Text a person might write, recognisable so the erasure check can look for it. */
const secret = (i: number, what: string) => `SECRET ${what} ${i}`;

function bodyOf(s: Step, i: number, state: CaseState | undefined): Record<string, unknown> {
  const v = s.variant;
  // Mostly a message at the stage the command needs; sometimes any message, or none.
  const needs =
    {
      approve_outreach: "proposed",
      record_outreach_sent: "approved",
      record_outreach_failed: "approved",
    }[s.type as string] ?? "sent";
  const atStage = state?.outreach.filter((o) => o.stage === needs) ?? [];
  const pool = v < 4 && atStage.length > 0 ? atStage : (state?.outreach ?? []);
  const outreachId = pool[v % Math.max(1, pool.length)]?.outreachId ?? "o-none";
  switch (s.type) {
    case "open":
      return { finding: finding([signal(`r${v}`)]) };
    case "add_signal":
      return {
        asOf: "2026-11-21",
        signals: v === 5 ? [] : [signal(`r${v}`, "medium")],
        inhibited: [],
      };
    case "confirm":
      return [{}, { assignee: "dan" }, { assignee: "ben" }, { assignee: "ghost" }, {}, {}][v];
    case "reassign":
      return { assignee: ["dan", "ada", "lee", "ben", "dan", "lee"][v] };
    case "dismiss":
      return [
        { reason: "known_circumstance" },
        { reason: "other", text: secret(i, "dismissal") },
        { reason: "other" },
        {},
        { reason: "bored" },
        { reason: "data_error", text: secret(i, "dismissal") },
      ][v];
    case "snooze":
      return {
        until: ["2026-12-01", "2026-11-22", "2026-11-23", "2027-01-04", "nope", "2026-11-30"][v],
      };
    case "log_contact":
      return {
        channel: ["email", "phone", "teams_chat", "in_person", "letter", "pigeon"][v],
        outcome: ["reached", "no_answer", "left_message", "wrong_details", "reached", "reached"][v],
        note: v % 2 === 0 ? secret(i, "contact") : undefined,
      };
    case "add_note":
      return {
        noteId: v === 4 ? "n0" : `n${i}`,
        text: v === 5 ? "  " : secret(i, "note"),
        visibility: v % 2 === 0 ? "restricted" : "team",
      };
    case "propose_outreach":
      return { outreachId: v === 4 ? "o0" : `o${i}`, text: secret(i, "message") };
    case "approve_outreach":
      return v === 1
        ? { outreachId, text: secret(i, "edited") }
        : v === 3
          ? { outreachId: `o-new${i}`, text: secret(i, "written") }
          : { outreachId };
    case "record_outreach_sent":
      return { outreachId, activityId: secret(i, "activity") };
    case "record_outreach_failed":
      return {
        outreachId,
        reason: ["app_blocked", "no_teams_account", "chat_blocked", "other", "lost", "other"][v],
        detail: secret(i, "failure"),
      };
    case "record_student_reply":
      return { outreachId, reply: v === 0 ? "other" : "doing_ok", text: secret(i, "reply") };
    case "opt_out":
      // Mostly ill-made: an opt-out stops every later message, so it must stay rare for
      // sequences to reach messages being sent.
      return v === 5 ? {} : v === 4 ? { outreachId } : { outreachId: "" };
    case "propose_escalation":
      return { reason: v === 5 ? "" : secret(i, "escalation") };
    case "decide_escalation":
      return { decision: v % 2 === 0 ? "accept" : "decline", note: secret(i, "decision") };
    case "resolve":
      return [
        { outcome: "re_engaged" },
        { outcome: "referred", note: secret(i, "outcome") },
        { outcome: "other" },
        { outcome: "withdrew" },
        { outcome: "circumstances_recorded" },
        { outcome: "other", note: secret(i, "outcome") },
      ][v];
    case "reopen":
      return v % 2 === 0 ? {} : { reason: secret(i, "reopen") };
    case "close":
    case "erase":
      return {};
  }
}

function assertNoPersonalData(value: unknown) {
  const text = JSON.stringify(value);
  expect(text).not.toContain("SECRET");
  expect(text).not.toContain(STUDENT.id);
  expect(text).not.toContain(EVIDENCE);
}

/** Nothing personal left, counts kept, and the rewritten history folds to the same state. */
function checkErasure(before: CaseState | undefined, after: CaseState, events: CaseEvent[]) {
  expect(after.counts).toEqual(before?.counts);
  expect(after.notes.length).toBe(before?.notes.length);
  expect(after.outreach.length).toBe(before?.outreach.length);
  assertNoPersonalData(after);
  const kept = eraseHistory(events);
  assertNoPersonalData(kept);
  expect(foldCase(kept)).toEqual(after);
}

/** How often each command was accepted over the whole run, so the test is known to go deep. */
const accepted = new Map<CaseCommandType, number>();

describe("case invariants under random commands", () => {
  it("hold for every sequence", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60, size: "max" }), (steps) => {
        // Every sequence starts with the engine opening the case.
        const events: CaseEvent[] = [];
        const all: Step[] = [
          {
            type: "open",
            wellMade: true,
            pick: 0,
            actor: ENGINE_ACTOR,
            versionOffset: 0,
            variant: 0,
          },
          ...steps,
        ];
        for (let i = 0; i < all.length; i++) {
          const before = foldCase(events);
          const { type, actor, version } = made(all[i], before, events.length);
          const s = { ...all[i], type };
          const history = JSON.stringify(events);
          const command = {
            type,
            version,
            at: at(i),
            ...bodyOf(s, i, before),
          } as unknown as CaseCommand;
          const decision = decide(events, command, actor, CONTEXT);

          expect(decision.audit).toMatchObject({
            actor: actor,
            at: at(i),
            action: s.type,
            caseId: CASE_ID,
            allowed: decision.ok,
          });
          expect(decision.audit.why.length).toBeGreaterThan(0);

          if (!decision.ok) {
            expect(decision).not.toHaveProperty("events");
            expect(JSON.stringify(events)).toBe(history);
            continue;
          }
          // Accepted: only from someone allowed, on the current version, in a status that allows it.
          expect(mayMake(s.type, actor)).toBe(true);
          expect(command.version).toBe(events.length);
          if (before?.status === "dismissed") expect(s.type).not.toBe("log_contact");
          // Erasure is a legal duty, not a step of the workflow: it reaches closed cases too.
          // A student may say "stop" at any time.
          if (before?.status === "closed") expect(["reopen", "erase", "opt_out"]).toContain(s.type);
          expect(before?.status).not.toBe("erased");
          accepted.set(s.type, (accepted.get(s.type) ?? 0) + 1);

          expect(decision.events.length).toBeGreaterThan(0);
          for (const e of decision.events) {
            expect(e.version).toBe(events.length);
            expect(e.actor).toBe(actor);
            expect(e.at).toBe(at(i));
            events.push(e);
          }
          const folded = foldCase(events);
          expect(decision.state).toEqual(folded);
          expect(decision.state.version).toBe(events.length);

          const state = decision.state;
          if (s.type === "snooze") expect(state.status).toBe(before?.status);
          if (state.status === "active" || state.status === "escalated") {
            expect(state.assignee).toBeDefined();
          }
          if (state.status === "proposed") expect(state.assignee).toBeUndefined();

          if (s.type === "erase") checkErasure(before, state, events);
        }
        // Whatever the sequence left, an administrator may still erase it.
        const last = foldCase(events);
        if (last !== undefined && !last.erased) {
          const erase = { type: "erase", version: events.length, at: at(all.length) } as const;
          const decision = decide(events, erase, "adm", CONTEXT);
          if (!decision.ok) expect.fail(decision.refusal.message);
          events.push(...decision.events);
          checkErasure(last, decision.state, events);
        }
        const read = parseCaseEvents(JSON.parse(JSON.stringify(events)));
        expect(read.ok).toBe(true);
        if (read.ok) expect(foldCase(read.events)).toEqual(foldCase(events));
      }),
      { numRuns: 400 },
    );
  });

  afterAll(() => {
    // Were the sequences deep enough to mean something? Every command was accepted at least once.
    for (const type of CASE_COMMAND_TYPES) expect(accepted.get(type) ?? 0, type).toBeGreaterThan(0);
  });
});

/**
 * Who may act on stu-4821's case (school sef, advised by ada and dan), and the reason
 * given each time: advisers by advisee or by school as the policy says, engagement leads
 * by the policy's schools, administrators for reading and erasure, the engine for its
 * own facts, nobody else.
 */
import { describe, expect, it } from "vitest";
import {
  authorise,
  type CaseAction,
  type CaseSubject,
  mayWorkOn,
  rosterOf,
} from "../../src/cases/authorise.ts";
import { ENGINE_ACTOR, STUDENT_ACTOR } from "../../src/cases/case-vocabulary.ts";
import { POLICY, ROSTER, SCHOOL_POLICY, STUDENT } from "./case-fixtures.ts";

const ADVISEES: CaseSubject = { student: STUDENT, school: "sef", policy: POLICY };
const WHOLE_SCHOOL: CaseSubject = { student: STUDENT, school: "sef", policy: SCHOOL_POLICY };

function check(actor: string, action: CaseAction, subject: CaseSubject = ADVISEES) {
  return authorise(actor, action, subject, ROSTER);
}

describe("advisers", () => {
  it("act on their advisees, whatever their own school", () => {
    expect(check("ada", "confirm")).toEqual({
      allowed: true,
      as: "adviser",
      why: "adviser of this student",
    });
    expect(check("dan", "log_contact")).toEqual({
      allowed: true,
      as: "adviser",
      why: "adviser of this student",
    });
  });

  it("with access: advisees, not on other students of their school", () => {
    expect(check("ben", "confirm")).toEqual({
      allowed: false,
      why: "not an adviser of this student",
    });
  });

  it("with access: school, on every student of their school, and only their school", () => {
    expect(check("ben", "confirm", WHOLE_SCHOOL)).toEqual({
      allowed: true,
      as: "adviser",
      why: "an adviser in this student's school sef (policy sef-eng gives advisers the whole school)",
    });
    expect(check("cai", "confirm", WHOLE_SCHOOL)).toEqual({
      allowed: false,
      why: "not an adviser of this student or their school",
    });
  });

  it("cannot be checked by advisee once the student has left the data", () => {
    const gone: CaseSubject = { ...ADVISEES, student: undefined };
    expect(check("ada", "add_note", gone)).toEqual({
      allowed: false,
      why: "the student is no longer in the data, so their advisers cannot be checked",
    });
  });

  it("do not decide escalations", () => {
    expect(check("ada", "decide_escalation")).toEqual({
      allowed: false,
      why: "only an engagement lead of policy sef-eng's schools decides escalations",
    });
  });
});

describe("support officers are advisers for access", () => {
  it("act on their school's students only when the policy gives the whole school", () => {
    expect(check("ola", "confirm")).toEqual({
      allowed: false,
      why: "not a support officer of this student",
    });
    expect(check("ola", "confirm", WHOLE_SCHOOL)).toMatchObject({
      allowed: true,
      as: "support_officer",
    });
  });
});

describe("engagement leads", () => {
  it("act on every case of the policy's schools and decide escalations", () => {
    const granted = {
      allowed: true,
      as: "engagement_lead",
      why: "engagement lead of sef, a school of policy sef-eng",
    };
    expect(check("lee", "confirm")).toEqual(granted);
    expect(check("lee", "decide_escalation")).toEqual(granted);
    expect(check("lee", "add_note", { ...ADVISEES, student: undefined })).toEqual(granted);
  });

  it("of another school, not at all", () => {
    expect(check("lou", "decide_escalation")).toEqual({
      allowed: false,
      why: "only an engagement lead of policy sef-eng's schools decides escalations; engagement lead of law, which policy sef-eng does not cover",
    });
    expect(check("lou", "read")).toEqual({
      allowed: false,
      why: "engagement lead of law, which policy sef-eng does not cover",
    });
  });

  it('of the student\'s school, under a policy for every school ("*")', () => {
    const everywhere: CaseSubject = { ...ADVISEES, policy: { ...POLICY, schools: ["*"] } };
    expect(check("lee", "resolve", everywhere)).toMatchObject({ allowed: true });
    expect(check("lou", "resolve", everywhere)).toMatchObject({ allowed: false });
  });
});

describe("administrators", () => {
  it("of the student's school read and erase, but do not work on cases", () => {
    expect(check("adm", "read")).toEqual({
      allowed: true,
      as: "admin",
      why: "administrator of sef",
    });
    expect(check("adm", "erase")).toEqual({
      allowed: true,
      as: "admin",
      why: "administrator of sef",
    });
    expect(check("adm", "confirm")).toEqual({
      allowed: false,
      why: "adm has no role that works on cases (roles: admin)",
    });
  });

  it("of another school, neither", () => {
    expect(check("amy", "erase")).toEqual({
      allowed: false,
      why: "only an administrator of the student's school erases a case; administrator of law, not of this student's school sef",
    });
  });
});

describe("everyone else", () => {
  it("staff without a role, and people not on the roster, may do nothing", () => {
    expect(check("nia", "read")).toEqual({
      allowed: false,
      why: "nia has no role that works on cases (roles: none)",
    });
    expect(check("zed", "read")).toEqual({ allowed: false, why: "zed is not on the staff roster" });
  });

  it("several roles: every refusal is given", () => {
    const roster = rosterOf([
      {
        id: "mo",
        name: "Mo",
        email: undefined,
        aadObjectId: undefined,
        school: "law",
        roles: ["adviser", "engagement_lead"],
      },
    ]);
    expect(authorise("mo", "confirm", ADVISEES, roster)).toEqual({
      allowed: false,
      why: "not an adviser of this student; engagement lead of law, which policy sef-eng does not cover",
    });
  });
});

describe("the engine", () => {
  it("opens cases, adds signals and records deliveries; people may not", () => {
    for (const action of [
      "open",
      "add_signal",
      "record_outreach_sent",
      "record_outreach_failed",
    ] as const) {
      expect(check(ENGINE_ACTOR, action)).toEqual({
        allowed: true,
        as: "engine",
        why: "Reach's engine, acting for policy sef-eng",
      });
      expect(check("lee", action).allowed).toBe(false);
    }
    expect(check("ada", "open").why).toBe(
      "cases are opened by Reach's engine from a finding; a person confirms or dismisses them",
    );
  });

  it("never makes a person's decision", () => {
    for (const action of [
      "confirm",
      "dismiss",
      "approve_outreach",
      "decide_escalation",
      "resolve",
      "reopen",
    ] as const) {
      expect(check(ENGINE_ACTOR, action)).toEqual({
        allowed: false,
        why: `Reach's engine may not ${action}: a person must decide that`,
      });
    }
  });
});

describe("mayWorkOn (who can be assigned)", () => {
  it("advisers of the student and leads of the policy, not administrators", () => {
    expect(mayWorkOn("dan", ADVISEES, ROSTER).allowed).toBe(true);
    expect(mayWorkOn("lee", ADVISEES, ROSTER).allowed).toBe(true);
    expect(mayWorkOn("adm", ADVISEES, ROSTER).allowed).toBe(false);
    expect(mayWorkOn("ghost", ADVISEES, ROSTER)).toEqual({
      allowed: false,
      why: "ghost is not on the staff roster",
    });
  });
});

describe("a student", () => {
  const asStudent = (action: CaseAction, studentId: string | undefined) =>
    authorise(STUDENT_ACTOR, action, ADVISEES, ROSTER, studentId);

  it("answers and opts out on their own case only", () => {
    for (const action of ["record_student_reply", "opt_out"] as const) {
      expect(asStudent(action, STUDENT.id)).toEqual({
        allowed: true,
        as: "student",
        why: "the student this case is about, answering a message sent to them",
      });
      expect(asStudent(action, "stu-9999")).toEqual({
        allowed: false,
        why: "a student may act only on messages sent to them",
      });
      expect(asStudent(action, undefined).allowed).toBe(false);
    }
  });

  it("does nothing else, not even read their case", () => {
    for (const action of ["read", "confirm", "approve_outreach", "add_note", "erase"] as const) {
      expect(asStudent(action, STUDENT.id)).toEqual({
        allowed: false,
        why: `a student may not ${action}`,
      });
    }
  });

  it("is the only one who answers or opts out: staff and the engine are refused", () => {
    for (const action of ["record_student_reply", "opt_out"] as const) {
      expect(check("ada", action).allowed).toBe(false);
      expect(check(ENGINE_ACTOR, action).allowed).toBe(false);
    }
    expect(check("ada", "record_student_reply").why).toBe(
      "only the student answers a message sent to them",
    );
  });
});

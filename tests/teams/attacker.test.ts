/**
 * Tried as an attacker would, through HTTP and the real
 * `TeamsAdapter` of a bot in local mode: card invokes and chat commands from strangers
 * (not on the staff roster, or with no Entra id at all), from another school's staff,
 * from conversations Reach never posted to, with verbs no card has and payloads no card
 * sends. None of them changes a case or reveals a student — no name, no id, no evidence
 * — and each leaves exactly one audit record.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UNATTRIBUTED } from "../../src/app/audit-refusal.ts";
import {
  CASES,
  drained,
  GENERAL,
  type Harness,
  runEngine,
  SAMPLE,
  startHarness,
  type TeamsChannel,
  type TeamsUser,
  USERS,
} from "../helpers/fake-connector.ts";

const NO_AAD: TeamsUser = { id: "29:anonymous", name: "Anonymous", aadObjectId: "" };
const OTHER_TEAM: TeamsChannel = { teamId: "19:other", teamName: "Other", id: "19:other-general" };

describe("probing Reach for students' data", () => {
  let h: Harness;
  let caseId: string;
  /** Every student's name and id, and the case's evidence: none may appear in an answer. */
  let secrets: string[];

  beforeAll(async () => {
    h = await startHarness();
    await h.teams.installInTeam(GENERAL, USERS.adele);
    await h.teams.channelMessage(CASES, USERS.adele, `link ${SAMPLE.policyId}`);
    await runEngine(h);
    await drained(h.store);
    const cases = await h.store.listCases({ policyId: SAMPLE.policyId });
    caseId = cases[0].caseId;
    const stored = await h.store.getCase(SAMPLE.policyId, caseId);
    const opened = stored?.events[0];
    if (opened?.type !== "opened") throw new Error("no opened event");
    const evidence = opened.signals.flatMap((s) => s.conditions.map((c) => c.evidence));
    const students = h.reach.dataset?.students ?? [];
    secrets = [
      ...students.flatMap((s) => [s.id, s.displayName, s.preferredName ?? ""]),
      ...evidence,
    ].filter((x) => x.length > 3);
    expect(secrets.length).toBeGreaterThan(100);
  });
  afterAll(async () => {
    await h?.close();
  });

  async function audits(): Promise<number> {
    let n = (await h.store.listAudit(UNATTRIBUTED, "")).length;
    for (const c of await h.store.listCases()) {
      n += (await h.store.listAudit(c.policyId, c.caseId)).length;
    }
    return n;
  }

  async function versions(): Promise<string> {
    return JSON.stringify((await h.store.listCases()).map((c) => [c.caseId, c.version]));
  }

  function reveals(text: string): string[] {
    return secrets.filter((s) => text.includes(s));
  }

  const valid = () => ({ caseId, policyId: SAMPLE.policyId, version: 0 });
  type Probe = [string, () => unknown];
  const invoke = (
    where: "channel" | "general" | "other-team" | "personal",
    from: TeamsUser,
    verb: unknown,
    data: () => unknown,
  ): (() => unknown) => {
    return () => {
      const value = { action: { type: "Action.Execute", verb, data: data() } };
      const base =
        where === "personal"
          ? h.teams.personalActivity(from, {})
          : h.teams.channelActivity(
              where === "channel" ? CASES : where === "general" ? GENERAL : OTHER_TEAM,
              from,
              {},
            );
      const activity: Record<string, unknown> = {
        ...base,
        type: "invoke",
        name: "adaptiveCard/action",
        value,
      };
      if (from.aadObjectId === "") {
        activity.from = { id: from.id, name: from.name };
      }
      return activity;
    };
  };

  const PROBES: Probe[] = [
    [
      "a stranger confirms from the cases channel",
      invoke("channel", USERS.patti, "confirm", valid),
    ],
    ["a stranger peeks from the cases channel", invoke("channel", USERS.patti, "peek", valid)],
    ["a stranger refreshes the card", invoke("channel", USERS.patti, "refresh", valid)],
    ["a stranger asks to show the case", invoke("personal", USERS.patti, "show", valid)],
    ["a stranger confirms in a personal chat", invoke("personal", USERS.patti, "confirm", valid)],
    ["someone with no Entra id confirms", invoke("channel", NO_AAD, "confirm", valid)],
    ["someone with no Entra id refreshes", invoke("general", NO_AAD, "refresh", valid)],
    ["a stranger from another team", invoke("other-team", USERS.patti, "confirm", valid)],
    [
      "another school's adviser refreshes from General",
      invoke("general", USERS.megan, "refresh", valid),
    ],
    [
      "another school's adviser shows it personally",
      invoke("personal", USERS.megan, "show", valid),
    ],
    [
      "another school's adviser confirms from General",
      invoke("general", USERS.megan, "confirm", valid),
    ],
    [
      "another school's adviser from another team",
      invoke("other-team", USERS.megan, "dismiss", valid),
    ],
    ["another school's adviser, made-up verb", invoke("personal", USERS.megan, "peek", valid)],
    ["another school's adviser, engine verb", invoke("general", USERS.megan, "erase", valid)],
    ["a number as the verb", invoke("general", USERS.megan, 42, valid)],
    ["a list as the verb", invoke("general", USERS.patti, ["confirm"], valid)],
    ["no verb at all", invoke("general", USERS.megan, undefined, valid)],
    [
      "an unknown policy",
      invoke("general", USERS.megan, "confirm", () => ({ ...valid(), policyId: "nope" })),
    ],
    [
      "an unknown case",
      invoke("general", USERS.megan, "confirm", () => ({
        ...valid(),
        caseId: `${SAMPLE.policyId}-x`,
      })),
    ],
    [
      "a bad version",
      invoke("general", USERS.megan, "confirm", () => ({ ...valid(), version: "x" })),
    ],
    [
      "a negative version",
      invoke("personal", USERS.megan, "confirm", () => ({ ...valid(), version: -1 })),
    ],
    ["the data as a string", invoke("general", USERS.megan, "confirm", () => "confirm")],
    ["the data as a list", invoke("personal", USERS.megan, "confirm", () => [valid()])],
    ["no data", invoke("general", USERS.patti, "confirm", () => undefined)],
    [
      "a 20 KB case id",
      invoke("general", USERS.megan, "confirm", () => ({ ...valid(), caseId: "x".repeat(20_000) })),
    ],
    [
      "control characters in the ids",
      invoke("general", USERS.megan, "confirm", () => ({
        ...valid(),
        policyId: "north\u0000field\u202e",
      })),
    ],
  ];

  it.each(PROBES)("%s: reveals no student, changes nothing, is audited", async (_name, build) => {
    const before = await versions();
    const audited = await audits();
    const response = await h.teams.send(build());
    expect(response.status).toBe(200);
    expect(reveals(response.text)).toEqual([]);
    expect(await versions()).toBe(before);
    expect(await audits()).toBe(audited + 1);
  });

  it("a stranger's value that is not an object gets a notice, not an error", async () => {
    for (const value of ["confirm", ["confirm"], 7, null]) {
      const activity = {
        ...h.teams.channelActivity(CASES, USERS.patti, {}),
        type: "invoke",
        name: "adaptiveCard/action",
        value,
      };
      const response = await h.teams.send(activity);
      expect(response.status).toBe(200);
      expect(reveals(response.text)).toEqual([]);
    }
  });

  it("the same click from a stranger reads the same whether the case exists or not", async () => {
    const answer = async (data: () => unknown) =>
      (await h.teams.send(invoke("channel", USERS.patti, "confirm", data)())).text;
    const real = await answer(valid);
    const made = await answer(() => ({ ...valid(), caseId: `${SAMPLE.policyId}-20270129-0000` }));
    expect(real).toBe(made);
  });

  it("chat commands from a stranger or another school reveal nothing", async () => {
    for (const [from, text] of [
      [USERS.patti, `case ${caseId}`],
      [USERS.patti, "my cases"],
      [USERS.megan, `case ${caseId}`],
    ] as const) {
      const response = await h.teams.personalMessage(from, text);
      expect(response.status).toBe(200);
      const said = h.fake.messagesIn(`a:1personal-${from.aadObjectId}`);
      expect(reveals(JSON.stringify(said))).toEqual([]);
    }
  });
});

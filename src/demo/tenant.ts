/**
 * The Teams demo's mock tenant: the ids of samples/teams-demo/playground.yml (the
 * adviser's Agents Playground) and playground-student.yml (the student's), and the files
 * the demo runs on. Data only, so tests of the sample can read it without starting Reach.
 */
import { join, resolve } from "node:path";

const ROOT = resolve(new URL("../..", import.meta.url).pathname);

/**
 * The mock tenant's ids (samples/teams-demo/playground.yml, and playground-student.yml for
 * the student's own client).
 */
export const DEMO = {
  policyPath: join(ROOT, "samples/teams-demo/northfield-policy.yaml"),
  playgroundConfig: join(ROOT, "samples/teams-demo/playground.yml"),
  /** The student's own Teams client: the second Playground, with the student signed in. */
  studentPlaygroundConfig: join(ROOT, "samples/teams-demo/playground-student.yml"),
  dataDir: join(ROOT, "samples/demo-school"),
  policyId: "northfield",
  /**
   * The sample's last school day (a Friday), and the date tests that read the sample
   * itself evaluate on. The demo moves the sample's dates so that this day is the first
   * Friday on or after the day it runs.
   */
  asOf: "2027-01-29",
  tenantId: "00000000-0000-0000-0000-000000000001",
  teamId: "team-northfield-support",
  teamName: "Northfield Student Support",
  channelId: "channel-cases",
  channelName: "Cases",
  /** The signed-in user's personal chat with the bot: a page opens it when it loads. */
  personalChatId: "personal-chat-alex",
  botId: "00000000-0000-0000-0000-000000000011",
  botName: "Reach",
  users: {
    adviser: { id: "user-alex", name: "Alex Wilber" },
    otherSchoolAdviser: { id: "user-megan", name: "Megan Bowen" },
    lead: { id: "user-adele", name: "Adele Vance", aad: "00000000-0000-0000-0000-000000000022" },
  },
  /**
   * The student signed in to the second Playground: a Northfield student whose case the
   * demo run opens on any weekday, advised by Alex Wilber. `studentId`, `name`,
   * `preferredName` and `aad` are his row of samples/demo-school/students.csv; `id` is his
   * Playground user id, and `personalChatId` his personal chat with the bot, which his
   * page opens (and installs Reach in) when it loads.
   */
  student: {
    studentId: "S000056",
    id: "user-ben",
    name: "Ben Iqbal",
    preferredName: "Ben",
    aad: "00000000-0000-0000-0000-000000000050",
    personalChatId: "personal-chat-student",
  },
} as const;

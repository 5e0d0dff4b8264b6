/**
 * Every schema change, in order. A migration, once shipped, is never edited: a change is a
 * new entry with the next version, applied by `migrate` to databases that lack it.
 */
import { INITIAL_SCHEMA } from "./0001-initial-schema.ts";
import { SENDING_AND_TEAMS } from "./0002-sending-and-teams.ts";
import { INSTALLATION_SECRET } from "./0003-installation-secret.ts";
import { RUN_DATA_CHECK } from "./0004-run-data-check.ts";
import { SKIPPED_RUNS_AND_NOTICES } from "./0005-skipped-runs-and-notices.ts";
import { STAFF_MESSAGES } from "./0006-staff-messages.ts";
import { LEADS_AND_DIGESTS } from "./0007-leads-and-digests.ts";
import { POLICY_VERSIONS } from "./0008-policy-versions.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "initial schema", sql: INITIAL_SCHEMA },
  {
    version: 2,
    name: "outbox sending_at, Teams conversations and bindings",
    sql: SENDING_AND_TEAMS,
  },
  { version: 3, name: "installation secret", sql: INSTALLATION_SECRET },
  { version: 4, name: "run warnings and data dates", sql: RUN_DATA_CHECK },
  { version: 5, name: "skipped runs and channel notices", sql: SKIPPED_RUNS_AND_NOTICES },
  { version: 6, name: "messages to staff", sql: STAFF_MESSAGES },
  { version: 7, name: "leads' channels, digests and leads' cards", sql: LEADS_AND_DIGESTS },
  { version: 8, name: "policy versions", sql: POLICY_VERSIONS },
];

/**
 * A child process for the cross-process race test: appends `count` notes to one case,
 * each on the version it just read, re-reading and retrying whenever another process got
 * there first. Run as `node --import tsx race-appender.ts <db file> <case id> <name> <count>`.
 */
import { outboxIdFor } from "../../src/store/ids.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

const [path, caseId, name, countText] = process.argv.slice(2);
const store = openSqliteStore({ path, busyTimeoutMs: 30_000 });
let conflicts = 0;
for (let k = 0; k < Number(countText); k++) {
  for (;;) {
    const current = await store.getCase("sef-eng", caseId);
    if (current === undefined) throw new Error(`no case ${caseId}`);
    const version = current.version;
    const at = new Date(Date.UTC(2026, 10, 23, 10, 0, 0, version)).toISOString();
    const result = await store.appendCaseEvents({
      policyId: "sef-eng",
      caseId,
      expectedVersion: version,
      events: [
        {
          type: "note_added",
          actor: "ada",
          at,
          version,
          noteId: `${name}-${k}`,
          text: "n",
          visibility: "team",
        },
      ],
      outbox: [
        {
          id: outboxIdFor(caseId, version, "card_update"),
          kind: "card_update",
          payload: {},
          createdAt: at,
        },
      ],
    });
    if (result.ok) break;
    if (result.reason !== "stale_version") throw new Error(`unexpected ${result.reason}`);
    conflicts++;
  }
}
await store.close();
process.stdout.write(JSON.stringify({ name, conflicts }));

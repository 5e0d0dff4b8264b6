/** Policy versions in SQLite: one row per version, the record as JSON beside its keys. */
import type Database from "better-sqlite3";
import {
  checkPolicyVersion,
  checkPolicyVersionSubmission,
  type PolicyVersion,
  type PolicyVersionSubmission,
} from "../policy-versions.ts";

export class SqlitePolicyVersions {
  constructor(private readonly db: Database.Database) {}

  add(
    submission: PolicyVersionSubmission,
    onlyIfNew: boolean,
  ): { version: PolicyVersion; created: boolean } {
    const checked = checkPolicyVersionSubmission(submission);
    const add = this.db.transaction(() => {
      const latest = this.latestRow(checked.policyId);
      if (onlyIfNew && latest !== undefined && latest.hash === checked.hash) {
        return { version: checkPolicyVersion(JSON.parse(latest.record)), created: false };
      }
      const version: PolicyVersion = { ...checked, version: (latest?.version ?? 0) + 1 };
      this.db
        .prepare(
          "INSERT INTO policy_versions (policy_id, version, hash, record) VALUES (?, ?, ?, ?)",
        )
        .run(version.policyId, version.version, version.hash, JSON.stringify(version));
      return { version, created: true };
    });
    return add.immediate();
  }

  list(policyId: string, limit: number | undefined): PolicyVersion[] {
    const rows = this.db
      .prepare(
        "SELECT record FROM policy_versions WHERE policy_id = ? ORDER BY version DESC LIMIT ?",
      )
      .pluck()
      .all(policyId, limit ?? -1) as string[];
    return rows.map((r) => checkPolicyVersion(JSON.parse(r)));
  }

  get(policyId: string, version: number): PolicyVersion | undefined {
    const row = this.db
      .prepare("SELECT record FROM policy_versions WHERE policy_id = ? AND version = ?")
      .pluck()
      .get(policyId, version) as string | undefined;
    return row === undefined ? undefined : checkPolicyVersion(JSON.parse(row));
  }

  private latestRow(
    policyId: string,
  ): { version: number; hash: string; record: string } | undefined {
    return this.db
      .prepare(
        "SELECT version, hash, record FROM policy_versions WHERE policy_id = ? ORDER BY version DESC LIMIT 1",
      )
      .get(policyId) as { version: number; hash: string; record: string } | undefined;
  }
}

/**
 * Policy versions in Cosmos DB: one document per version in the policy's partition of the
 * `cases` container, `policy-version:<version, 8 digits>`. A new version is created with
 * the number after the latest; two writers racing for the same number both try to create
 * that id, one gets a conflict (409), reads the latest again and tries the next.
 */
import type { Container } from "@azure/cosmos";
import {
  checkPolicyVersion,
  checkPolicyVersionSubmission,
  type PolicyVersion,
  type PolicyVersionSubmission,
} from "../policy-versions.ts";
import { StoreError } from "../store-error.ts";
import { createDoc, queryAll, readDoc } from "./cosmos-common.ts";

const DOC_TYPE = "policy-version";

interface VersionDoc {
  id: string;
  docType: typeof DOC_TYPE;
  policyId: string;
  version: number;
  record: PolicyVersion;
}

export function policyVersionDocId(version: number): string {
  return `${DOC_TYPE}:${String(version).padStart(8, "0")}`;
}

export class CosmosPolicyVersions {
  constructor(private readonly container: Container) {}

  async add(
    submission: PolicyVersionSubmission,
    onlyIfNew: boolean,
  ): Promise<{ version: PolicyVersion; created: boolean }> {
    const checked = checkPolicyVersionSubmission(submission);
    for (let attempt = 0; attempt < 20; attempt++) {
      const [latest] = await this.list(checked.policyId, 1);
      if (onlyIfNew && latest !== undefined && latest.hash === checked.hash) {
        return { version: latest, created: false };
      }
      const version: PolicyVersion = { ...checked, version: (latest?.version ?? 0) + 1 };
      const doc: VersionDoc = {
        id: policyVersionDocId(version.version),
        docType: DOC_TYPE,
        policyId: version.policyId,
        version: version.version,
        record: version,
      };
      if (await createDoc(this.container, doc)) return { version, created: true };
    }
    throw new StoreError(
      "invalid_request",
      `policy version of ${checked.policyId}: other writers kept taking the next number`,
    );
  }

  /** The version numbers by a small query, newest first; each version by a point read. */
  async list(policyId: string, limit: number | undefined): Promise<PolicyVersion[]> {
    const numbers = await queryAll<number>(
      this.container,
      "SELECT VALUE c.version FROM c WHERE c.docType = @type AND c.policyId = @policyId",
      { type: DOC_TYPE, policyId },
      policyId,
    );
    const wanted = numbers.sort((a, b) => b - a).slice(0, limit);
    const versions: PolicyVersion[] = [];
    for (const n of wanted) {
      const version = await this.get(policyId, n);
      if (version !== undefined) versions.push(version);
    }
    return versions;
  }

  async get(policyId: string, version: number): Promise<PolicyVersion | undefined> {
    if (!Number.isInteger(version) || version < 1) return undefined;
    const doc = await readDoc<VersionDoc>(this.container, policyVersionDocId(version), policyId);
    return doc?.docType === DOC_TYPE ? checkPolicyVersion(doc.record) : undefined;
  }
}

/**
 * The version of a policy a run evaluates: the text the policy was loaded from, recorded in
 * the store's policy history when it is not already the latest version there (a change
 * made to the file outside Reach, or the first run of the policy). A change saved from
 * Teams is recorded by the save itself, with its author and reason, so a run after it finds
 * its own text already the latest.
 */
import { createHash } from "node:crypto";
import { lineDiff, type Policy, policyFileName, policySourceText } from "../rules/index.ts";
import { FILE_AUTHOR, type PolicyVersion, type Store } from "../store/index.ts";

/** SHA-256 (hex) of a policy file's text. */
export function policyTextHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * The policy's current version, recorded first if the store does not have its text as the
 * latest. Undefined for a policy not loaded from a file (built in code).
 */
export async function notePolicyVersion(
  store: Store,
  policy: Policy,
  at: string,
): Promise<PolicyVersion | undefined> {
  const text = policySourceText(policy);
  if (text === undefined) return undefined;
  const hash = policyTextHash(text);
  const [latest] = await store.listPolicyVersions(policy.id, 1);
  if (latest?.hash === hash) return latest;
  const { version } = await store.addPolicyVersion(
    {
      policyId: policy.id,
      hash,
      text,
      author: FILE_AUTHOR,
      at,
      source: "file",
      diff:
        latest === undefined
          ? ""
          : lineDiff(latest.text, text, { file: policyFileName(policy.file) }),
    },
    { onlyIfNew: true },
  );
  return version;
}

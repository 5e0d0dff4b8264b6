/**
 * The policies a running Reach serves, read from the policy file or folder and read again
 * before every scheduled run, so a change takes effect at the next run without a restart.
 *
 * A changed file is loaded with the same loader as `reach rules check`. When the new
 * version has problems, the previous version of that file keeps running and the change
 * is reported once (by the content's hash: saving the same broken text again is not a new
 * change, fixing it and breaking it differently is). A file that is removed takes its
 * policy with it; a new file adds one. At start every file must be valid, as before.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  formatProblem,
  isDirectory,
  listPolicyFiles,
  loadPolicyFiles,
  type Policy,
  type PolicyProblem,
} from "../rules/index.ts";
import { ConfigError } from "./config.ts";

/** A change to a policy file that was not taken, and why. */
export interface RejectedChange {
  file: string;
  /** The policy the file held before, still running; none for a new file. */
  policyId?: string;
  /** The rejected content's hash (SHA-256, hex): one report per distinct change. */
  version: string;
  problems: PolicyProblem[];
}

export interface CatalogueRefresh {
  /** Policy ids whose file changed and loaded. */
  changed: string[];
  /** Policy ids whose file is gone. */
  removed: string[];
  /** Changes not taken, each reported once. */
  rejected: RejectedChange[];
}

interface FileEntry {
  /** Hash of the content the running policy came from. */
  hash: string;
  policy?: Policy;
  /** Hash of the last rejected content, so it is reported once. */
  rejectedHash?: string;
}

export class PolicyCatalogue {
  private readonly files = new Map<string, FileEntry>();

  private constructor(private readonly path: string | undefined) {}

  /** Reads every policy; any problem stops start-up with all of them (a ConfigError). */
  static async open(path: string | undefined): Promise<PolicyCatalogue> {
    const catalogue = new PolicyCatalogue(path);
    if (path === undefined) return catalogue;
    const files = await catalogue.list();
    const result = await loadPolicyFiles(files);
    if (!result.ok) throw new ConfigError(result.errors.map((p) => formatProblem(p)));
    for (const file of files) {
      const hash = await hashOf(file);
      const policy = result.policies.find((p) => p.file === file);
      catalogue.files.set(file, { hash: hash ?? "", ...(policy && { policy }) });
    }
    return catalogue;
  }

  policies(): Policy[] {
    return [...this.files.values()].flatMap((e) => (e.policy ? [e.policy] : []));
  }

  get(policyId: string): Policy | undefined {
    return this.policies().find((p) => p.id === policyId);
  }

  /** Reads the files again; see the module comment for what is taken and what is kept. */
  async refresh(): Promise<CatalogueRefresh> {
    const outcome: CatalogueRefresh = { changed: [], removed: [], rejected: [] };
    if (this.path === undefined) return outcome;
    let files: string[];
    try {
      files = await this.list();
    } catch {
      // The folder cannot be read just now (a deployment in progress): keep what runs.
      return outcome;
    }
    for (const [file, entry] of this.files) {
      if (files.includes(file)) continue;
      this.files.delete(file);
      if (entry.policy) outcome.removed.push(entry.policy.id);
    }
    for (const file of files) {
      const hash = await hashOf(file);
      const entry = this.files.get(file);
      if (hash === undefined || hash === entry?.hash) continue;
      const loaded = await loadPolicyFiles([file]);
      const policy = loaded.ok ? loaded.policies[0] : undefined;
      const clash = policy && this.policies().find((p) => p.id === policy.id && p.file !== file);
      if (policy && !clash) {
        this.files.set(file, { hash, policy });
        outcome.changed.push(policy.id);
        continue;
      }
      const problems: PolicyProblem[] = clash
        ? [
            {
              file,
              line: 1,
              column: 1,
              code: "duplicate_policy_id",
              message: `policy id "${clash.id}" is already used by ${clash.file}`,
              hint: "each policy file needs its own id",
            },
          ]
        : loaded.ok
          ? []
          : loaded.errors;
      if (entry?.rejectedHash === hash) continue;
      this.files.set(file, {
        hash: entry?.hash ?? "",
        ...(entry?.policy && { policy: entry.policy }),
        rejectedHash: hash,
      });
      outcome.rejected.push({
        file,
        ...(entry?.policy && { policyId: entry.policy.id }),
        version: hash,
        problems,
      });
    }
    return outcome;
  }

  private async list(): Promise<string[]> {
    const path = this.path as string;
    return (await isDirectory(path)) ? listPolicyFiles(path) : [path];
  }
}

async function hashOf(file: string): Promise<string | undefined> {
  try {
    return createHash("sha256")
      .update(await readFile(file))
      .digest("hex");
  } catch {
    return undefined;
  }
}

/** The message the policy's channel gets about a change that was not taken. */
export function rejectedChangeText(change: RejectedChange): string {
  const lines = change.problems.slice(0, 10).map((p) => `- ${formatProblem(p)}`);
  const more = change.problems.length > 10 ? [`- … and ${change.problems.length - 10} more`] : [];
  return [
    `The policy file ${change.file} was changed, but the new version has ${change.problems.length === 1 ? "a problem" : `${change.problems.length} problems`}, so the previous version of policy ${change.policyId ?? "(new)"} keeps running until it is fixed:`,
    ...lines,
    ...more,
    "Check it with `reach rules check` before saving again.",
  ].join("\n");
}

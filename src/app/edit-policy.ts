/**
 * A lead changes a policy from its card in Teams: "Preview" (`policy_preview`) shows what
 * the change would do, "Save" (`policy_save`) writes it into the policy's file.
 *
 * Both are for an engagement lead of the policy's schools only (`policyChangeRefusal`);
 * anyone else is refused, and every refusal is audited — a stranger or an unknown policy in
 * the `_unattributed` trail, anyone else in the policy's. The card's data is checked field
 * by field (a clear answer for each bad one); the file written is always the loaded
 * policy's own file (`Policy.file`), never a path from the card.
 *
 * The preview is a dry run on the data as last imported, as of the policy's local date of
 * now; it carries a SHA-256 of the file text it previewed, and a save whose file no longer
 * has that hash writes nothing. A save writes the new text atomically (a temporary file in
 * the same folder, flushed, renamed over the old), records the change in the policy's audit
 * trail and tells the policy's channel; the policy catalogue reads the file again before
 * the next run, which uses it.
 */
import { randomUUID } from "node:crypto";
import { open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { auditEntry } from "../cases/index.ts";
import type { Dataset } from "../data/dataset.ts";
import { type DayNumber, localDate, parseIsoDate } from "../data/dates.ts";
import type { Staff } from "../data/schema.ts";
import {
  applyPolicyChanges,
  formatProblem,
  loadPolicyText,
  type Policy,
  type PolicyChange,
  type PolicyProblem,
  readPolicyFile,
  SEVERITIES,
} from "../rules/index.ts";
import { notePolicyVersion } from "../run/index.ts";
import type { Store } from "../store/index.ts";
import { actorLabel, auditRefusal, clip } from "./audit-refusal.ts";
import type { Directory } from "./directory.ts";
import {
  type PolicyChangePreview,
  type PolicyChangePreviewRequest,
  type PreviewBacktest,
  policyChangeRefusal,
  policyTextHash,
  previewPolicyChange,
} from "./policy-change.ts";
import { firstMetricTest, type PolicyView, policyView } from "./read-policy.ts";

export const POLICY_PREVIEW_VERB = "policy_preview";
export const POLICY_SAVE_VERB = "policy_save";
/** "Back" on a preview: the policy card again (an audited read). */
export const POLICY_SHOW_VERB = "policy_show";
/** The audit action of a saved change (and of a refused save). */
export const POLICY_CHANGE_ACTION = "policy_change";
/** The audit action of a preview (and of a refused one). */
export const POLICY_PREVIEW_ACTION = "policy_preview";
/** The longest reason a lead may give. */
export const MAX_REASON_LENGTH = 500;
/** The diff in the audit trail is cut to this many characters. */
export const AUDIT_DIFF_LENGTH = 2_000;

/** The fields a change form sends, checked. */
export interface PolicyEditFields {
  policyId: string;
  /** The rule changed; absent for the window. */
  ruleId?: string;
  threshold?: number;
  for?: number;
  severity?: Policy["rules"][number]["severity"];
  watch?: boolean;
  on?: boolean;
  /** The window, in school days. */
  days?: number;
  why: string;
}

/** What "Save" carries: the fields, and the hash of the file text previewed. */
export interface PolicySavePayload extends PolicyEditFields {
  hash: string;
}

export interface PolicyEditPreview {
  policyId: string;
  policyName: string;
  asOf: string;
  /** The change in words, one line per field changed ("threshold 0.9 → 0.85"). */
  words: string[];
  /** One line: the rule (or the window) and what changes. */
  summary: string;
  preview: PolicyChangePreview;
  /** Present where the data has outcome history of its own. */
  backtest?: PreviewBacktest;
  diff: string;
  /** The loader's warnings on the changed file, formatted. */
  warnings: string[];
  /** The data "Save" carries back. */
  save: PolicySavePayload;
}

export type PolicyEditOutcome =
  /** Not on the staff roster: told nothing about the policy. */
  | { kind: "stranger" }
  | { kind: "unknown_policy"; policyId: string }
  | { kind: "refused"; why: string }
  /** The card's data is not a change Reach can read: each problem in words. */
  | { kind: "bad_request"; problems: string[] }
  | { kind: "no_data" }
  /** The change would change nothing in the file. */
  | { kind: "unchanged"; policyId: string }
  /** The change cannot be made, or the changed file does not load: positioned problems. */
  | { kind: "invalid"; policyId: string; problems: PolicyProblem[] }
  /** The changed policy does not fit the data. */
  | { kind: "does_not_fit"; policyId: string; problems: string[] }
  | { kind: "previewed"; preview: PolicyEditPreview }
  /** The file changed since the preview: nothing written. */
  | { kind: "stale"; policyId: string }
  /** A rollback named a version the policy's history does not have. */
  | { kind: "no_version"; policyId: string; version: string }
  | { kind: "saved"; view: PolicyView; summary: string; version?: number };

export interface PolicyEditRequest {
  store: Store;
  directory: Directory;
  aadObjectId: string | undefined;
  /** The card action's data, unchecked. */
  data: unknown;
  /** ISO instant of the click. */
  at: string;
  /** The data as last imported (the preview's). */
  dataset?: Dataset | undefined;
  /** The import it came from, with its source: a backtest is added where it has outcomes. */
  imported?: PolicyChangePreviewRequest["imported"];
  schoolName?: (schoolId: string) => string;
}

/** Who asks and about which policy, or the answer when they may not. */
export async function authorised(
  request: PolicyEditRequest,
  action: string,
): Promise<{ staff: Staff; policy: Policy } | PolicyEditOutcome> {
  const { store, directory, at } = request;
  const data = isRecord(request.data) ? request.data : {};
  const named = typeof data.policyId === "string" ? data.policyId : undefined;
  const staff = directory.staffByAad(request.aadObjectId);
  if (staff === undefined) {
    await auditRefusal(store, directory, {
      actor: actorLabel(request.aadObjectId),
      at,
      action,
      policyId: named,
      why: "the Teams user is not on the staff roster",
      refusal: "not_authorised",
    });
    return { kind: "stranger" };
  }
  const policy = named === undefined ? undefined : directory.policies.get(named);
  if (policy === undefined) {
    await auditRefusal(store, directory, {
      actor: staff.id,
      at,
      action,
      policyId: named,
      why: named === undefined ? "the card named no policy" : "the policy is not served",
      refusal: "invalid_input",
    });
    return { kind: "unknown_policy", policyId: clip(named ?? "", 100) };
  }
  const why = policyChangeRefusal(staff, policy);
  if (why !== undefined) {
    await store.appendAudit(policy.id, [
      auditEntry(staff.id, at, action, "", { allowed: false, why, refusal: "not_authorised" }),
    ]);
    return { kind: "refused", why };
  }
  return { staff, policy };
}

async function refuseInput(
  request: PolicyEditRequest,
  staff: Staff,
  policy: Policy,
  action: string,
  problems: string[],
): Promise<PolicyEditOutcome> {
  await request.store.appendAudit(policy.id, [
    auditEntry(staff.id, request.at, action, "", {
      allowed: false,
      why: clip(`the card's data was refused: ${problems.join("; ")}`, 1000),
      refusal: "invalid_input",
    }),
  ]);
  return { kind: "bad_request", problems };
}

/** `policy_preview`: what the change in the form would do, for a lead. */
export async function previewPolicyEdit(request: PolicyEditRequest): Promise<PolicyEditOutcome> {
  const who = await authorised(request, POLICY_PREVIEW_ACTION);
  if ("kind" in who) return who;
  const { staff, policy } = who;
  const parsed = parseFields(request.data, policy, false);
  if ("problems" in parsed) {
    return refuseInput(request, staff, policy, POLICY_PREVIEW_ACTION, parsed.problems);
  }
  const fields = parsed.fields;
  const dataset = request.dataset;
  if (dataset === undefined) return { kind: "no_data" };
  const asOf = parseIsoDate(localDate(request.at, policy.timezone)) as DayNumber;
  const saved = await request.store.loadRuleState(policy.id);
  const outcome = await previewPolicyChange({
    policyFile: policy.file,
    dataset,
    change: changesOf(fields),
    asOf,
    viewer: { staffId: staff.id, roster: request.directory.roster },
    // From the state the next run would start from, so `for: N runs` streaks count.
    ...(saved !== undefined && { previousState: saved.state }),
    ...(request.imported !== undefined && { imported: request.imported }),
  });
  switch (outcome.kind) {
    case "refused":
      return { kind: "refused", why: outcome.why };
    case "unreadable":
    case "invalid":
      return { kind: "invalid", policyId: policy.id, problems: outcome.problems };
    case "does_not_fit_data":
      return {
        kind: "does_not_fit",
        policyId: policy.id,
        problems: outcome.check.errors.map((p) => p.message),
      };
    case "previewed":
      break;
  }
  if (!outcome.changed) return { kind: "unchanged", policyId: policy.id };
  const words = changeWords(outcome.before, outcome.after, fields.ruleId);
  const summary = summaryOf(outcome.after, fields.ruleId, words);
  const named = [...outcome.preview.rules, outcome.preview.cases, outcome.preview.watched].reduce(
    (n, m) => n + m.gainedShown.length + m.lostShown.length,
    0,
  );
  await request.store.appendAudit(policy.id, [
    auditEntry(staff.id, request.at, POLICY_PREVIEW_ACTION, "", {
      allowed: true,
      why: clip(
        `${staff.name} previewed a change (${summary}) on the data as of ${outcome.preview.asOf}; ${named} student names shown, all readable by them`,
        1000,
      ),
    }),
  ]);
  return {
    kind: "previewed",
    preview: {
      policyId: policy.id,
      policyName: policy.name,
      asOf: outcome.preview.asOf,
      words,
      summary,
      preview: outcome.preview,
      ...(outcome.backtest !== undefined && { backtest: outcome.backtest }),
      diff: outcome.diff,
      warnings: outcome.warnings.map((p) => formatProblem(p)),
      save: { ...fields, hash: outcome.fileHash },
    },
  };
}

/** `policy_save`: the previewed change written into the policy's file, for a lead. */
export async function savePolicyEdit(request: PolicyEditRequest): Promise<PolicyEditOutcome> {
  const who = await authorised(request, POLICY_CHANGE_ACTION);
  if ("kind" in who) return who;
  const { staff, policy } = who;
  const parsed = parseFields(request.data, policy, true);
  if ("problems" in parsed) {
    return refuseInput(request, staff, policy, POLICY_CHANGE_ACTION, parsed.problems);
  }
  const { fields, hash } = parsed;
  const file = policy.file;
  const read = await readPolicyFile(file);
  if ("problem" in read) return { kind: "invalid", policyId: policy.id, problems: [read.problem] };
  if (policyTextHash(read.text) !== hash) return { kind: "stale", policyId: policy.id };
  // The file as it is now must still be one this lead may change.
  const current = loadPolicyText(read.text, file);
  if (!current.ok) return { kind: "invalid", policyId: policy.id, problems: current.errors };
  const why = policyChangeRefusal(staff, current.policy);
  if (why !== undefined) {
    await request.store.appendAudit(policy.id, [
      auditEntry(staff.id, request.at, POLICY_CHANGE_ACTION, "", {
        allowed: false,
        why,
        refusal: "not_authorised",
      }),
    ]);
    return { kind: "refused", why };
  }
  const applied = applyPolicyChanges(read.text, file, changesOf(fields));
  if (!applied.ok) return { kind: "invalid", policyId: policy.id, problems: applied.problems };
  if (!applied.changed) return { kind: "unchanged", policyId: policy.id };

  // The text changed from is a version too (a change made in the file, or the first one).
  await notePolicyVersion(request.store, current.policy, request.at);
  await writeAtomically(file, applied.text);
  const words = changeWords(applied.before, applied.policy, fields.ruleId);
  const summary = summaryOf(applied.policy, fields.ruleId, words);
  const reason = oneLine(fields.why);
  const diff =
    applied.diff.length <= AUDIT_DIFF_LENGTH
      ? applied.diff
      : `${applied.diff.slice(0, AUDIT_DIFF_LENGTH)}… (diff cut at ${AUDIT_DIFF_LENGTH} characters)`;
  await request.store.appendAudit(policy.id, [
    auditEntry(staff.id, request.at, POLICY_CHANGE_ACTION, "", {
      allowed: true,
      why: `${staff.name} changed the policy file ${basename(file)}: ${summary}. Why: ${reason}\n${diff}`,
    }),
  ]);
  const newHash = policyTextHash(applied.text);
  const { version } = await request.store.addPolicyVersion({
    policyId: policy.id,
    hash: newHash,
    text: applied.text,
    author: staff.id,
    authorName: staff.name,
    at: request.at,
    source: "teams",
    reason,
    diff: applied.diff,
  });
  await request.store.enqueueOutbox([
    {
      id: `policy-change:${policy.id}:${newHash.slice(0, 32)}:${request.at}`,
      policyId: policy.id,
      kind: "channel_notice",
      payload: {
        text: `${staff.name} changed ${summary}: ${reason.replace(/[.\s]+$/u, "")}. It takes effect at the next run.`,
      },
      createdAt: request.at,
    },
  ]);
  return {
    kind: "saved",
    summary,
    version: version.version,
    view: await policyView(request.store, applied.policy, request.at, request.schoolName),
  };
}

/** The text written to a temporary file beside `file`, flushed to disk, renamed over it. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.${randomUUID()}.tmp`);
  const mode = (await stat(file)).mode & 0o777;
  const handle = await open(temporary, "wx", mode);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  // The rename itself, flushed too (where the platform lets a folder be opened).
  try {
    const folder = await open(dirname(file), "r");
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  } catch {
    // Not every platform can sync a folder; the file itself is on disk.
  }
}

/** The changes the fields ask for, each applied in turn. */
function changesOf(fields: PolicyEditFields): PolicyChange[] {
  const changes: PolicyChange[] = [];
  const ruleId = fields.ruleId;
  if (ruleId === undefined) {
    if (fields.days !== undefined) changes.push({ kind: "window", days: fields.days });
    return changes;
  }
  if (fields.on !== undefined) changes.push({ kind: "enabled", ruleId, enabled: fields.on });
  if (fields.threshold !== undefined) {
    changes.push({ kind: "threshold", ruleId, value: fields.threshold });
  }
  if (fields.for !== undefined) changes.push({ kind: "for", ruleId, runs: fields.for });
  if (fields.severity !== undefined) {
    changes.push({ kind: "severity", ruleId, severity: fields.severity });
  }
  if (fields.watch !== undefined) {
    changes.push({ kind: "action", ruleId, action: fields.watch ? "watch" : "case" });
  }
  return changes;
}

/**
 * The card's data as fields. A form's inputs are named with its prefix (`r0_threshold`,
 * `window_days`: input ids are unique on a card), named in the data as `form`; the data
 * "Save" carries names them plainly.
 */
function parseFields(
  data: unknown,
  policy: Policy,
  saving: boolean,
): { fields: PolicyEditFields; hash: string } | { problems: string[] } {
  if (!isRecord(data)) return { problems: ["the card sent no data"] };
  const form = typeof data.form === "string" && /^(?:r\d{1,4}|window)$/.test(data.form);
  const prefix = form ? `${data.form as string}_` : "";
  const field = (name: string): unknown => data[`${prefix}${name}`];
  const problems: string[] = [];
  const fields: PolicyEditFields = { policyId: policy.id, why: "" };

  const ruleId = data.ruleId;
  if (ruleId !== undefined && ruleId !== null && ruleId !== "") {
    if (typeof ruleId !== "string") problems.push("the rule must be named by its id");
    else if (ruleId.length > 200) problems.push(`the rule id is ${ruleId.length} characters long`);
    else fields.ruleId = ruleId;
  }
  const number = (name: string, label: string, whole: boolean): number | undefined => {
    const value = field(name);
    if (value === undefined || value === null || value === "") return undefined;
    const n = typeof value === "number" ? value : typeof value === "string" ? numeric(value) : NaN;
    if (!Number.isFinite(n)) {
      problems.push(`${label} must be a number, got ${quoted(value)}`);
      return undefined;
    }
    if (whole && !Number.isInteger(n)) {
      problems.push(`${label} must be a whole number, got ${quoted(value)}`);
      return undefined;
    }
    return n;
  };
  const flag = (name: string, label: string): boolean | undefined => {
    const value = field(name);
    if (value === undefined || value === null || value === "") return undefined;
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    problems.push(`${label} must be on or off, got ${quoted(value)}`);
    return undefined;
  };
  if (fields.ruleId === undefined) {
    const days = number("days", "the window", true);
    if (days !== undefined) fields.days = days;
  } else {
    const threshold = number("threshold", "the threshold", false);
    if (threshold !== undefined) fields.threshold = threshold;
    const runs = number("for", "runs in a row", true);
    if (runs !== undefined) fields.for = runs;
    const severity = field("severity");
    if (severity !== undefined && severity !== null && severity !== "") {
      if ((SEVERITIES as readonly unknown[]).includes(severity)) {
        fields.severity = severity as PolicyEditFields["severity"] & string;
      } else {
        problems.push(
          `the severity must be one of ${SEVERITIES.join(", ")}, got ${quoted(severity)}`,
        );
      }
    }
    const watch = flag("watch", "watch only");
    if (watch !== undefined) fields.watch = watch;
    const on = flag("on", "on");
    if (on !== undefined) fields.on = on;
  }
  const why = field("why");
  const reason =
    typeof why === "string" ? why.replace(/([${])\u2060(?=\{)/g, "$1").trim() : undefined;
  if (reason === undefined || reason === "") {
    problems.push("say why you are changing the policy");
  } else if (reason.length > MAX_REASON_LENGTH) {
    problems.push(
      `the reason is ${reason.length} characters long; keep it to ${MAX_REASON_LENGTH}`,
    );
  } else {
    fields.why = reason;
  }
  const changes = Object.keys(fields).filter((k) => !["policyId", "ruleId", "why"].includes(k));
  if (problems.length === 0 && changes.length === 0) {
    problems.push(
      fields.ruleId === undefined && data.ruleId === undefined && prefix !== "window_"
        ? "the card named no rule and no window to change"
        : "the form sent no value to change",
    );
  }
  let hash = "";
  if (saving) {
    const sent = data.hash;
    if (typeof sent === "string" && /^[0-9a-f]{64}$/.test(sent)) hash = sent;
    else problems.push("the card does not say which version of the file was previewed");
  }
  return problems.length > 0 ? { problems } : { fields, hash };
}

/** A number as a person types it ("0.85", " 2 "); NaN for anything else. */
function numeric(text: string): number {
  const t = text.trim();
  return /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(t) ? Number(t) : Number.NaN;
}

function quoted(value: unknown): string {
  const text = typeof value === "string" ? `“${value}”` : (JSON.stringify(value) ?? String(value));
  return clip(text, 40);
}

/** The change in words, one line per field that changed. */
export function changeWords(before: Policy, after: Policy, ruleId: string | undefined): string[] {
  if (ruleId === undefined) {
    return before.windowDays === after.windowDays
      ? []
      : [`window: ${before.windowDays} → ${after.windowDays} school days`];
  }
  const was = before.rules.find((r) => r.id === ruleId);
  const is = after.rules.find((r) => r.id === ruleId);
  if (was === undefined || is === undefined) return [];
  const lines: string[] = [];
  const yes = (b: boolean) => (b ? "yes" : "no");
  const oldTest = firstMetricTest(was.when);
  const newTest = firstMetricTest(is.when);
  if (oldTest !== undefined && newTest !== undefined && oldTest.threshold !== newTest.threshold) {
    const what = `${oldTest.metric.replaceAll("_", " ")} ${oldTest.op.replaceAll("_", " ")}`;
    lines.push(`threshold (${what}): ${oldTest.threshold} → ${newTest.threshold}`);
  }
  if (was.forRuns !== is.forRuns) lines.push(`runs in a row: ${was.forRuns} → ${is.forRuns}`);
  if (was.severity !== is.severity) lines.push(`severity: ${was.severity} → ${is.severity}`);
  const watchBefore = was.action === "watch";
  const watchAfter = is.action === "watch";
  if (watchBefore !== watchAfter)
    lines.push(`watch only: ${yes(watchBefore)} → ${yes(watchAfter)}`);
  if (was.enabled !== is.enabled) lines.push(`on: ${yes(was.enabled)} → ${yes(is.enabled)}`);
  return lines;
}

function summaryOf(policy: Policy, ruleId: string | undefined, words: string[]): string {
  const what =
    ruleId === undefined
      ? `policy ${policy.id}`
      : `rule “${clip(policy.rules.find((r) => r.id === ruleId)?.name ?? ruleId, 120)}” (${ruleId}) of policy ${policy.id}`;
  return `${what} — ${words.join("; ") || "no value"}`;
}

export function oneLine(text: string): string {
  return text.replace(/\s+/gu, " ").trim();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

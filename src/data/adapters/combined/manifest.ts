/**
 * `reach-sources.yaml`: the manifest of a combined source. It names each part's format
 * (an adapter's `--source` name) and folder, and for the attendance and activity parts
 * which roster key their students' ids are:
 *
 * ```yaml
 * roster:     { format: oea, folder: oea-k12 }
 * attendance: { format: oea, folder: oea-k12 }
 * activity:
 *   - { format: graph, folder: oea-graph, match: email }
 *   - { format: moodle, folder: moodle, match: email }
 * ```
 *
 * Every problem is reported with its line and column (the yaml parser's positions).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";

export const MANIFEST_FILE = "reach-sources.yaml";
export const MATCH_KEYS = ["id", "email", "aad_object_id"] as const;
export type MatchKey = (typeof MATCH_KEYS)[number];
export type PartRole = "roster" | "attendance" | "activity";

export interface Part {
  role: PartRole;
  /** `roster`, `attendance`, `activity[1]`: where the part is in the manifest. */
  label: string;
  format: string;
  /** As written in the manifest (for the report). */
  folder: string;
  /** Absolute, or relative to the working directory when the manifest folder is. */
  path: string;
  match: MatchKey;
}

export interface Manifest {
  roster: Part;
  attendance: Part | undefined;
  activity: Part[];
}

/** A manifest Reach cannot use: every problem as `file:line:column message`. */
export class ManifestError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
    this.name = "ManifestError";
  }
}

const TOP_KEYS = ["roster", "attendance", "activity"] as const;
const PART_KEYS = ["format", "folder", "match"] as const;

/**
 * Reads and checks `dir/reach-sources.yaml`. `formats` are the formats a part may have
 * (the adapters' names, without `combined` and `metrics`). Throws {@link ManifestError}.
 */
export function readManifest(dir: string, formats: readonly string[]): Manifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) {
    throw new ManifestError([
      `${MANIFEST_FILE} not found in ${dir}: a combined source needs a manifest naming its parts`,
    ]);
  }
  const text = readFileSync(path, "utf8");
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const problems: string[] = [];
  const at = (offset: number | undefined, message: string) => {
    const p = offset === undefined ? { line: 1, col: 1 } : lines.linePos(offset);
    problems.push(`${MANIFEST_FILE}:${p.line}:${p.col} ${message}`);
  };
  const start = (node: unknown) => (node as Node | undefined)?.range?.[0];
  for (const e of doc.errors) at(e.pos[0], e.message.split("\n")[0] as string);
  if (problems.length > 0) throw new ManifestError(problems);

  const root = doc.contents;
  if (!isMap(root)) {
    at(start(root), "the manifest must be a mapping with roster, attendance and activity");
    throw new ManifestError(problems);
  }
  const top = new Map<string, { key: unknown; value: unknown }>();
  for (const pair of root.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : "";
    if (!(TOP_KEYS as readonly string[]).includes(name)) {
      at(start(pair.key), `unknown key "${name}" (expected ${TOP_KEYS.join(", ")})`);
      continue;
    }
    top.set(name, { key: pair.key, value: pair.value });
  }

  const readPart = (node: unknown, role: PartRole, label: string): Part | undefined => {
    if (!isMap(node)) {
      at(start(node), `${label} must be a mapping with format and folder`);
      return undefined;
    }
    const values = new Map<string, { key: unknown; value: unknown }>();
    for (const pair of node.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : "";
      if (!(PART_KEYS as readonly string[]).includes(name)) {
        at(start(pair.key), `${label}: unknown key "${name}" (expected ${PART_KEYS.join(", ")})`);
        continue;
      }
      values.set(name, { key: pair.key, value: pair.value });
    }
    const scalar = (name: string): string | undefined => {
      const entry = values.get(name);
      if (!entry) return undefined;
      const v = entry.value;
      if (!isScalar(v) || typeof v.value !== "string" || v.value.trim() === "") {
        at(start(v) ?? start(entry.key), `${label}.${name} must be a non-empty text`);
        return undefined;
      }
      return v.value.trim();
    };
    let ok = true;
    const format = scalar("format");
    if (format === undefined) {
      if (!values.has("format"))
        at(start(node), `${label} has no format (one of ${formats.join(", ")})`);
      ok = false;
    } else if (format === "combined") {
      at(start(values.get("format")?.value), `${label}.format: a part cannot itself be combined`);
      ok = false;
    } else if (!formats.includes(format)) {
      at(
        start(values.get("format")?.value),
        `${label}.format: "${format}" is not a format Reach reads (one of ${formats.join(", ")})`,
      );
      ok = false;
    }
    const folder = scalar("folder");
    let full = "";
    if (folder === undefined) {
      if (!values.has("folder")) at(start(node), `${label} has no folder`);
      ok = false;
    } else {
      full = isAbsolute(folder) ? folder : join(dir, folder);
      if (!existsSync(full) || !statSync(full).isDirectory()) {
        at(start(values.get("folder")?.value), `${label}.folder: no folder ${full}`);
        ok = false;
      }
    }
    let match: MatchKey = "id";
    if (values.has("match")) {
      const m = scalar("match");
      if (role === "roster") {
        at(
          start(values.get("match")?.key),
          "roster: match is for the other parts (they are matched to the roster)",
        );
        ok = false;
      } else if (m !== undefined && !(MATCH_KEYS as readonly string[]).includes(m)) {
        at(
          start(values.get("match")?.value),
          `${label}.match: "${m}" is not a roster key (one of ${MATCH_KEYS.join(", ")})`,
        );
        ok = false;
      } else if (m !== undefined) match = m as MatchKey;
      else ok = false;
    }
    if (!ok || format === undefined || folder === undefined) return undefined;
    return { role, label, format, folder, path: full, match };
  };

  const rosterNode = top.get("roster");
  if (!rosterNode) at(start(root), "the manifest has no roster part");
  const roster = rosterNode ? readPart(rosterNode.value, "roster", "roster") : undefined;
  const attendanceNode = top.get("attendance");
  const attendance = attendanceNode
    ? readPart(attendanceNode.value, "attendance", "attendance")
    : undefined;
  const activity: Part[] = [];
  const activityNode = top.get("activity")?.value;
  if (activityNode !== undefined) {
    const list = isSeq(activityNode) ? activityNode.items : [activityNode];
    list.forEach((item, i) => {
      const label = isSeq(activityNode) ? `activity[${i}]` : "activity";
      const part = readPart(item, "activity", label);
      if (part) activity.push(part);
    });
  }
  if (problems.length > 0 || roster === undefined) throw new ManifestError(problems);
  return { roster, attendance, activity };
}

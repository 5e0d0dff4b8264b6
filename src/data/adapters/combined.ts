/**
 * A combined source: a data folder whose `reach-sources.yaml` names the parts of one
 * school's data, each in its own format and folder — the roster from one system,
 * attendance from another, activity from others — each imported with its own adapter
 * and merged onto the roster's students (combined/merge.ts). docs/adapters/combined.md
 * describes the manifest and the merge.
 */
import { DatasetBuilder } from "../dataset.ts";
import { type FileReport, ImportReport, type Rejection } from "../import-report.ts";
import type { Adapter, ImportOptions, ImportResult } from "./adapter.ts";
import {
  MANIFEST_FILE,
  type Manifest,
  ManifestError,
  type Part,
  readManifest,
} from "./combined/manifest.ts";
import { addActivity, addAttendance, addRoster, RosterKeys } from "./combined/merge.ts";

export {
  MANIFEST_FILE,
  MATCH_KEYS,
  type Manifest,
  ManifestError,
  type Part,
  readManifest,
} from "./combined/manifest.ts";

export const combinedAdapter: Adapter = {
  name: "combined",
  description:
    "several sources in one: reach-sources.yaml names the roster, attendance and activity " +
    "parts (each a format and a folder) and how their students match the roster's",
  import: importCombined,
};

/** The role a part's file is about, from its entity (`attendance event` → attendance). */
function roleOfEntity(entity: string): "attendance" | "activity" | undefined {
  if (entity.startsWith("attendance")) return "attendance";
  if (entity.startsWith("activity")) return "activity";
  return undefined;
}

/**
 * A part's own report, its files and rejections under the part's folder. Attendance and
 * activity files of an import that no attendance or activity part uses are left out (a
 * roster folder without attendance.csv is not a problem here): a note in `into` says so.
 */
function partReport(
  from: ImportReport,
  folder: string,
  roles: ReadonlySet<string>,
  unused: string[],
): { files: FileReport[]; rejections: Rejection[] } {
  const skipped = new Set<string>();
  const files: FileReport[] = [];
  for (const f of from.files) {
    const role = roleOfEntity(f.entity);
    if (role !== undefined && !roles.has(role)) {
      skipped.add(f.file);
      unused.push(`${folder}/${f.file}`);
      continue;
    }
    files.push({ ...f, file: `${folder}/${f.file}`, notes: [...f.notes] });
  }
  const rejections = from.rejections
    .filter((r) => !skipped.has(r.file))
    .map((r) => ({ ...r, file: `${folder}/${r.file}` }));
  return { files, rejections };
}

export async function importCombined(
  dir: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const report = new ImportReport(`combined ${dir}`);
  const builder = new DatasetBuilder();
  // Imported here, not at the top: index.ts imports this module.
  const { ADAPTERS } = await import("./index.ts");
  // A combined source is not a part; a metrics table carries values, not rows to merge.
  const formats = Object.keys(ADAPTERS).filter((name) => name !== "combined" && name !== "metrics");
  let manifest: Manifest;
  try {
    manifest = readManifest(dir, formats);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    report.file(MANIFEST_FILE, "manifest").fail(error.problems.join("; "));
    const { dataset, monitoring } = builder.build();
    return { dataset, monitoring, report };
  }
  const manifestTally = report.file(MANIFEST_FILE, "manifest");
  /** One import per format and folder, however many parts name them, with the roles it plays. */
  const imports = new Map<string, { result: ImportResult; folder: string; roles: Set<string> }>();
  const load = async (part: Part): Promise<ImportResult> => {
    const key = `${part.format}\u0000${part.path}`;
    const known = imports.get(key);
    if (known) {
      known.roles.add(part.role);
      return known.result;
    }
    {
      const adapter = ADAPTERS[part.format as keyof typeof ADAPTERS];
      const result = await adapter.import(part.path, {
        ...options,
        onProgress: options.onProgress
          ? (p) => options.onProgress?.({ ...p, file: `${part.folder}/${p.file}` })
          : undefined,
      });
      imports.set(key, { result, folder: part.folder, roles: new Set([part.role]) });
      return result;
    }
  };
  const parts = [manifest.roster, manifest.attendance, ...manifest.activity].filter(
    (p): p is Part => p !== undefined,
  );
  manifestTally.note(
    parts
      .map(
        (p) =>
          `${p.label}: ${p.format} from ${p.folder}${p.role === "roster" ? "" : ` by ${p.match}`}`,
      )
      .join("; "),
  );
  const roster = await load(manifest.roster);
  addRoster(builder, roster);
  const keys = new RosterKeys(roster.dataset);
  if (keys.shared.email > 0 || keys.shared.aad_object_id > 0) {
    manifestTally.note(
      `roster keys shared by two or more students, matched to nobody: ${keys.shared.email} email(s), ${keys.shared.aad_object_id} aad_object_id(s)`,
    );
  }
  if (manifest.attendance) {
    const imported = await load(manifest.attendance);
    addAttendance(builder, roster.dataset, keys, manifest.attendance, imported, report);
  } else {
    manifestTally.note("no attendance part: no attendance");
  }
  for (const part of manifest.activity) {
    const imported = await load(part);
    addActivity(builder, roster.dataset, keys, part, imported, report);
  }
  // The parts' own files go after the manifest and before the matching counts.
  const unused: string[] = [];
  const files: FileReport[] = [];
  const rejections: Rejection[] = [];
  for (const { result, folder, roles } of imports.values()) {
    const part = partReport(result.report, folder, roles, unused);
    files.push(...part.files);
    rejections.push(...part.rejections);
  }
  report.files.splice(1, 0, ...files);
  const matching = report.rejections.splice(0);
  for (const r of [...rejections, ...matching]) report.record(r);
  if (unused.length > 0) {
    manifestTally.note(
      `not used, since no attendance or activity part names them: ${unused.join(", ")}`,
    );
  }
  const { dataset, monitoring } = builder.build();
  return {
    dataset,
    monitoring,
    report,
    ...(roster.outcomes ? { outcomes: roster.outcomes } : {}),
  };
}

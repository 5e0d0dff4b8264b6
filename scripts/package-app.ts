// Builds the Teams app package: build/appPackage/reach.zip holding manifest.json (with the
// bot's Microsoft App ID filled in), color.png and outline.png at the root of the zip.
//
//   npm run package                                   # bot id from MicrosoftAppId
//   npm run package -- --bot-id <guid> [--out <file>]
//
// The manifest is checked against the Teams manifest JSON schema bundled in
// @microsoft/app-manifest before anything is written; no network is used. The zip is written
// by hand (deflate + CRC32) with a fixed timestamp, so the same inputs give the same bytes.

import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateRawSync } from "node:zlib";
import { AppManifestUtils } from "@microsoft/app-manifest";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const APP_PACKAGE_DIR = join(REPO_ROOT, "appPackage");
export const DEFAULT_OUT_FILE = join(REPO_ROOT, "build", "appPackage", "reach.zip");

/**
 * The token in appPackage/manifest.json replaced by the bot id (in `id`, `bots[0].botId` and
 * `webApplicationInfo`, which names the bot's Entra app for Microsoft Graph).
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a manifest placeholder, not a template
export const BOT_ID_PLACEHOLDER = "${{BOT_ID}}";

/** The environment variable the bot itself reads its Microsoft App ID from. */
export const BOT_ID_VARIABLE = "MicrosoftAppId";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The files in the zip, all at its root: Teams rejects a package with them in a folder. */
export const PACKAGE_FILES = ["manifest.json", "color.png", "outline.png"] as const;

const ICON_SIZES: Record<string, number> = { "color.png": 192, "outline.png": 32 };

/** A refusal with a message meant for the person running the script (no stack trace). */
export class PackageError extends Error {
  override name = "PackageError";
}

// --- The bot id --------------------------------------------------------------------------

function flagValue(argv: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) {
        throw new PackageError(`${flag} needs a value`);
      }
      return value;
    }
    if (argv[i].startsWith(`${flag}=`)) return argv[i].slice(flag.length + 1);
  }
  return undefined;
}

/** Checks a bot id, naming MicrosoftAppId in the refusal. */
export function checkBotId(value: string | undefined): string {
  const id = value?.trim() ?? "";
  if (id === "") {
    throw new PackageError(
      `${BOT_ID_VARIABLE} is not set. Set ${BOT_ID_VARIABLE} to the Azure Bot's Microsoft App ID ` +
        "(a GUID), or pass --bot-id <guid>.",
    );
  }
  if (!GUID.test(id)) {
    throw new PackageError(
      `${BOT_ID_VARIABLE} (or --bot-id) must be the Azure Bot's Microsoft App ID, a GUID like ` +
        `00000000-0000-0000-0000-000000000000; got "${id}".`,
    );
  }
  return id.toLowerCase();
}

/** The bot id from `--bot-id <guid>` if given, else from the MicrosoftAppId variable. */
export function resolveBotId(argv: readonly string[], env: NodeJS.ProcessEnv): string {
  return checkBotId(flagValue(argv, "--bot-id") ?? env[BOT_ID_VARIABLE]);
}

// --- The manifest ------------------------------------------------------------------------

/** Fills the bot id into the manifest template and parses it. */
export function fillManifest(template: string, botId: string): Record<string, unknown> {
  const id = checkBotId(botId);
  const text = template.replaceAll(BOT_ID_PLACEHOLDER, id);
  const leftover = /\$\{\{[^}]*\}\}/.exec(text);
  if (leftover) {
    throw new PackageError(`manifest.json has a placeholder nothing fills in: ${leftover[0]}`);
  }
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * The Teams manifest schema for a manifest version, read from the copy bundled in
 * @microsoft/app-manifest (never fetched). Cleaned as the package cleans schemas it loads.
 */
export function loadBundledSchema(manifestVersion: string): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve("@microsoft/app-manifest/package.json"));
  const file = join(
    packageDir,
    "build",
    "json-schemas",
    "teams",
    `v${manifestVersion}`,
    "MicrosoftTeams.schema.json",
  );
  if (!existsSync(file)) {
    throw new PackageError(
      `@microsoft/app-manifest has no bundled schema for manifest version ${manifestVersion}`,
    );
  }
  const raw = readFileSync(file, "utf8").replace(/\\a/g, "\\u0007").replace(/\\v/g, "\\u000b");
  return JSON.parse(raw) as Record<string, unknown>;
}

type AppManifest = Parameters<typeof AppManifestUtils.validateAgainstSchema>[0];
type AppManifestSchema = NonNullable<Parameters<typeof AppManifestUtils.validateAgainstSchema>[1]>;

/**
 * Validates a manifest (placeholders filled in) against the bundled schema for its
 * `manifestVersion` with @microsoft/app-manifest. Returns the errors; none means valid.
 */
export async function validateManifest(manifest: Record<string, unknown>): Promise<string[]> {
  const version = manifest.manifestVersion;
  if (typeof version !== "string") return ["/manifestVersion is missing"];
  const expected = `https://developer.microsoft.com/json-schemas/teams/v${version}/MicrosoftTeams.schema.json`;
  const errors: string[] = [];
  if (manifest.$schema !== expected) {
    errors.push(`/$schema should be ${expected} to match manifestVersion ${version}`);
  }
  const schema = loadBundledSchema(version) as unknown as AppManifestSchema;
  errors.push(...(await AppManifestUtils.validateAgainstSchema(manifest as AppManifest, schema)));
  return errors;
}

// --- PNG and ZIP -------------------------------------------------------------------------

/** Width and height from a PNG's IHDR chunk. */
export function readPngSize(png: Uint8Array): { width: number; height: number } {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const signature = "89504e470d0a1a0a";
  if (buf.length < 24 || buf.toString("hex", 0, 8) !== signature) {
    throw new PackageError("not a PNG file");
  }
  if (buf.toString("latin1", 12, 16) !== "IHDR") throw new PackageError("PNG without IHDR");
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

// MS-DOS time and date of 1980-01-01 00:00, the earliest a zip can say: a fixed timestamp
// keeps the package reproducible.
const DOS_TIME = 0;
const DOS_DATE = (1 << 5) | 1;

/** A zip (deflated entries, no folders, no zip64) of the given files, in order. */
export function writeZip(entries: readonly { name: string; data: Uint8Array }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, "utf8");
    const compressed = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); // local file header signature
    local.writeUInt16LE(20, 4); // version needed to extract: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // flags: name is UTF-8
    local.writeUInt16LE(8, 8); // method: deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    locals.push(local, nameBytes, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); // central directory header signature
    central.writeUInt16LE(20, 4); // version made by: 2.0, MS-DOS attributes
    central.writeUInt16LE(20, 6); // version needed to extract
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    // extra length, comment length, disk number, internal and external attributes: 0
    central.writeUInt32LE(offset, 42); // offset of the local header
    centrals.push(central, nameBytes);

    offset += local.length + nameBytes.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); // end of central directory signature
  end.writeUInt16LE(entries.length, 8); // entries on this disk
  end.writeUInt16LE(entries.length, 10); // entries in all
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16); // where the central directory starts
  return Buffer.concat([...locals, directory, end]);
}

// --- The package -------------------------------------------------------------------------

export interface PackageOptions {
  /** The Azure Bot's Microsoft App ID; used as the Teams app id as well. */
  botId: string;
  /** Where manifest.json and the icons are; appPackage/ by default. */
  appPackageDir?: string;
  /** The zip to write; build/appPackage/reach.zip by default. */
  outFile?: string;
}

export interface PackageResult {
  outFile: string;
  manifest: Record<string, unknown>;
  /** Things to fix before a real rollout that do not stop the build. */
  warnings: string[];
}

/** Checks everything, then writes the zip. Throws PackageError (writing nothing) if not ok. */
export async function packageApp(options: PackageOptions): Promise<PackageResult> {
  const botId = checkBotId(options.botId);
  const dir = options.appPackageDir ?? APP_PACKAGE_DIR;
  const outFile = resolve(options.outFile ?? DEFAULT_OUT_FILE);

  const manifest = fillManifest(await readFile(join(dir, "manifest.json"), "utf8"), botId);
  const errors = await validateManifest(manifest);
  if (errors.length > 0) {
    throw new PackageError(
      `manifest.json does not match the Teams manifest schema:\n  ${errors.join("\n  ")}`,
    );
  }

  const icons = manifest.icons as { color: string; outline: string };
  if (icons.color !== "color.png" || icons.outline !== "outline.png") {
    throw new PackageError('manifest.json icons must be "color.png" and "outline.png"');
  }
  const files = new Map<string, Uint8Array>();
  files.set("manifest.json", Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, "utf8"));
  for (const name of ["color.png", "outline.png"]) {
    const path = join(dir, name);
    if (!existsSync(path)) {
      throw new PackageError(`${path} is missing; draw it with: npx tsx scripts/draw-icons.ts`);
    }
    const png = await readFile(path);
    const { width, height } = readPngSize(png);
    const size = ICON_SIZES[name];
    if (width !== size || height !== size) {
      throw new PackageError(`${name} must be ${size}×${size}; it is ${width}×${height}`);
    }
    files.set(name, png);
  }

  const warnings: string[] = [];
  const developer = manifest.developer as Record<string, string>;
  const placeholders = ["websiteUrl", "privacyUrl", "termsOfUseUrl"].filter((key) =>
    new URL(developer[key]).hostname.endsWith("example.org"),
  );
  if (placeholders.length > 0) {
    warnings.push(
      `developer.${placeholders.join(", developer.")} in appPackage/manifest.json still ` +
        "point at reach.example.org; change them to your organisation's pages before rollout",
    );
  }

  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(
    outFile,
    writeZip(PACKAGE_FILES.map((name) => ({ name, data: files.get(name) as Uint8Array }))),
  );
  return { outFile, manifest, warnings };
}

/** The command line: returns the exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const botId = resolveBotId(argv, env);
    const outFile = flagValue(argv, "--out");
    const result = await packageApp({ botId, outFile });
    for (const warning of result.warnings) console.warn(`warning: ${warning}`);
    console.log(`wrote ${result.outFile} (bot and app id ${botId})`);
    return 0;
  } catch (error) {
    if (error instanceof PackageError) {
      console.error(`package: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}

// The Teams app package: appPackage/manifest.json is valid against the Teams schema bundled
// in @microsoft/app-manifest (offline: fetch is stubbed to fail), the icons are what Teams
// asks for, and `npm run package` builds a zip Teams can read, refusing a bad bot id.

import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { AppManifestUtils } from "@microsoft/app-manifest";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ACCENT, drawColorIcon, drawOutlineIcon } from "../../scripts/draw-icons.ts";
import {
  APP_PACKAGE_DIR,
  BOT_ID_PLACEHOLDER,
  fillManifest,
  loadBundledSchema,
  PackageError,
  packageApp,
  resolveBotId,
  validateManifest,
} from "../../scripts/package-app.ts";
import { pngSize, readPng } from "./read-png.ts";
import { readZip } from "./read-zip.ts";

const run = promisify(execFile);

const BOT_ID = "6f1c2b7e-3d4a-4b8e-9c0d-1a2b3c4d5e6f";
const TEMPLATE = readFileSync(join(APP_PACKAGE_DIR, "manifest.json"), "utf8");
const TEMPLATE_JSON = JSON.parse(TEMPLATE);
const REPO_ROOT = join(APP_PACKAGE_DIR, "..");

interface Bot {
  botId: string;
  scopes: string[];
  supportsFiles: boolean;
  isNotificationOnly: boolean;
  commandLists: { scopes: string[]; commands: { title: string; description: string }[] }[];
}

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "reach-app-package-"));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

// No network here except the npm registry, and validation must never need it: any attempt
// to fetch a schema fails the test that made it.
const fetchCalls: string[] = [];
beforeEach(() => {
  fetchCalls.length = 0;
  vi.stubGlobal("fetch", async (url: unknown) => {
    fetchCalls.push(String(url));
    throw new Error(`network used for ${String(url)}`);
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
  expect(fetchCalls).toEqual([]);
});

describe("appPackage/manifest.json", () => {
  it("is valid against the bundled Teams schema for its version once the bot id is in", async () => {
    const manifest = fillManifest(TEMPLATE, BOT_ID);
    expect(await validateManifest(manifest)).toEqual([]);
  });

  it("also validates with @microsoft/app-manifest resolving the schema from $schema itself", async () => {
    // AppManifestUtils maps developer.microsoft.com/json-schemas/teams/... to the copy in
    // its build/json-schemas folder before it would fetch; the fetch stub proves it did.
    const manifest = fillManifest(TEMPLATE, BOT_ID);
    const errors = await AppManifestUtils.validateAgainstSchema(
      manifest as unknown as Parameters<typeof AppManifestUtils.validateAgainstSchema>[0],
    );
    expect(errors).toEqual([]);
  });

  it("is checked for real: a broken manifest gets schema errors", async () => {
    const manifest = fillManifest(TEMPLATE, BOT_ID);
    const bots = manifest.bots as Bot[];
    const broken = {
      ...manifest,
      accentColor: "teal",
      bots: [{ ...bots[0], scopes: ["team", "everywhere"] }],
    };
    const errors = await validateManifest(broken);
    expect(errors.some((e) => e.startsWith("/accentColor"))).toBe(true);
    expect(errors.some((e) => e.startsWith("/bots/0/scopes/1"))).toBe(true);
  });

  it("uses a bundled, non-preview schema whose URL matches manifestVersion", () => {
    expect(TEMPLATE_JSON.manifestVersion).toMatch(/^1\.\d+$/);
    expect(TEMPLATE_JSON.$schema).toBe(
      `https://developer.microsoft.com/json-schemas/teams/v${TEMPLATE_JSON.manifestVersion}/MicrosoftTeams.schema.json`,
    );
    const schema = loadBundledSchema(TEMPLATE_JSON.manifestVersion) as {
      properties: { manifestVersion: { const?: string } };
    };
    expect(schema.properties.manifestVersion.const).toBe(TEMPLATE_JSON.manifestVersion);
  });

  it("has the bot id placeholder in id, bots[0].botId and webApplicationInfo and nowhere else", () => {
    expect(TEMPLATE_JSON.id).toBe(BOT_ID_PLACEHOLDER);
    expect(TEMPLATE_JSON.bots[0].botId).toBe(BOT_ID_PLACEHOLDER);
    expect(TEMPLATE_JSON.webApplicationInfo).toEqual({
      id: BOT_ID_PLACEHOLDER,
      resource: `api://botid-${BOT_ID_PLACEHOLDER}`,
    });
    expect(TEMPLATE.split(BOT_ID_PLACEHOLDER).length - 1).toBe(4);
    const filled = fillManifest(TEMPLATE, BOT_ID);
    expect(filled.id).toBe(BOT_ID);
    expect((filled.bots as Bot[])[0].botId).toBe(BOT_ID);
    expect(filled.webApplicationInfo).toEqual({ id: BOT_ID, resource: `api://botid-${BOT_ID}` });
  });

  it("names the bot's Entra app in webApplicationInfo, as Graph needs to install Reach for a student", () => {
    // Graph's TeamsAppInstallation.ReadWriteSelfForUser.All lets an app install itself for
    // a user only when the manifest names the app calling Graph: the bot's own identity.
    const info = TEMPLATE_JSON.webApplicationInfo as Record<string, unknown>;
    expect(Object.keys(info).sort()).toEqual(["id", "resource"]);
    expect(info.id).toBe(TEMPLATE_JSON.bots[0].botId);
    expect(String(info.resource)).toMatch(/^api:\/\//);
  });

  it("tells users that Reach writes to students only with an approved message", () => {
    const full = TEMPLATE_JSON.description.full as string;
    expect(full).not.toContain("does not contact students");
    expect(full).toContain("only with a message an adviser has approved");
    expect(full.length).toBeLessThanOrEqual(4000);
  });

  it("describes a conversational bot for team, personal and group chat, without files", () => {
    const bots = TEMPLATE_JSON.bots as Bot[];
    expect(bots).toHaveLength(1);
    expect([...bots[0].scopes].sort()).toEqual(["groupChat", "personal", "team"]);
    expect(bots[0].supportsFiles).toBe(false);
    expect(bots[0].isNotificationOnly).toBe(false);
    expect(TEMPLATE_JSON.validDomains).toEqual([]);
    expect(TEMPLATE_JSON.authorization).toBeUndefined();
  });

  it("lists the personal and channel commands", () => {
    const lists = (TEMPLATE_JSON.bots as Bot[])[0].commandLists;
    const titles = (scope: string) =>
      lists.find((l) => l.scopes.includes(scope))?.commands.map((c) => c.title);
    expect(titles("personal")).toEqual(["my cases", "case", "help"]);
    expect(titles("team")).toEqual(["link", "binding", "unlink", "help"]);
    for (const list of lists) {
      expect(list.scopes).toHaveLength(1);
      for (const command of list.commands) expect(command.description.length).toBeGreaterThan(0);
    }
  });

  it("names Reach and uses the icon's colour as its accent colour", () => {
    expect(TEMPLATE_JSON.name).toEqual({
      short: "Reach",
      full: "Reach — student engagement cases",
    });
    expect(TEMPLATE_JSON.accentColor.toUpperCase()).toBe(ACCENT.toUpperCase());
    expect(TEMPLATE_JSON.icons).toEqual({ color: "color.png", outline: "outline.png" });
    for (const key of ["websiteUrl", "privacyUrl", "termsOfUseUrl"]) {
      expect(new URL(TEMPLATE_JSON.developer[key]).protocol).toBe("https:");
    }
  });
});

describe("the icons", () => {
  const color = readFileSync(join(APP_PACKAGE_DIR, "color.png"));
  const outline = readFileSync(join(APP_PACKAGE_DIR, "outline.png"));

  it("are 192×192 (colour) and 32×32 (outline) by their IHDR chunks", () => {
    expect(pngSize(color)).toEqual({ width: 192, height: 192 });
    expect(pngSize(outline)).toEqual({ width: 32, height: 32 });
  });

  it("outline.png is white on transparent only, with a visible mark", () => {
    const { pixels } = readPng(outline);
    let opaque = 0;
    let transparent = 0;
    let notWhite = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      const [r, g, b, a] = pixels.subarray(i, i + 4);
      if (a === 0) transparent++;
      else if (r !== 255 || g !== 255 || b !== 255) notWhite++;
      else if (a === 255) opaque++;
    }
    expect(notWhite).toBe(0);
    expect(opaque).toBeGreaterThan(60);
    expect(transparent).toBeGreaterThan(32 * 32 * 0.4);
  });

  it("color.png is fully opaque on the accent colour, with a white mark", () => {
    const { pixels } = readPng(color);
    const accent = [1, 3, 5].map((i) => Number.parseInt(ACCENT.slice(i, i + 2), 16));
    let white = 0;
    let seeThrough = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (pixels[i + 3] !== 255) seeThrough++;
      if (pixels[i] === 255 && pixels[i + 1] === 255 && pixels[i + 2] === 255) white++;
    }
    expect(seeThrough).toBe(0);
    expect([...pixels.subarray(0, 3)]).toEqual(accent); // the top-left corner
    expect(white).toBeGreaterThan(500);
  });

  it("are the ones scripts/draw-icons.ts draws (re-run it after changing the mark)", () => {
    expect(drawColorIcon().equals(color)).toBe(true);
    expect(drawOutlineIcon().equals(outline)).toBe(true);
  });
});

describe("npm run package", () => {
  it("zips manifest.json, color.png and outline.png at the root with the bot id filled in", async () => {
    const outFile = join(tempDir(), "reach.zip");
    const result = await packageApp({ botId: BOT_ID, outFile });
    expect(result.outFile).toBe(outFile);

    const entries = readZip(readFileSync(outFile));
    expect(entries.map((e) => e.name)).toEqual(["manifest.json", "color.png", "outline.png"]);
    expect(entries.every((e) => e.method === 8)).toBe(true);

    const byName = new Map(entries.map((e) => [e.name, e.data]));
    const manifest = JSON.parse((byName.get("manifest.json") as Buffer).toString("utf8"));
    expect(manifest.id).toBe(BOT_ID);
    expect(manifest.bots[0].botId).toBe(BOT_ID);
    expect(manifest.webApplicationInfo).toEqual({
      id: BOT_ID,
      resource: `api://botid-${BOT_ID}`,
    });
    expect(JSON.stringify(manifest)).not.toContain("${{");
    expect(await validateManifest(manifest)).toEqual([]);
    expect(byName.get("color.png")?.equals(readFileSync(join(APP_PACKAGE_DIR, "color.png")))).toBe(
      true,
    );
    expect(
      byName.get("outline.png")?.equals(readFileSync(join(APP_PACKAGE_DIR, "outline.png"))),
    ).toBe(true);
  });

  it("builds the same bytes from the same inputs, and lower-cases the id", async () => {
    const dir = tempDir();
    await packageApp({ botId: BOT_ID, outFile: join(dir, "a.zip") });
    await packageApp({ botId: BOT_ID.toUpperCase(), outFile: join(dir, "b.zip") });
    expect(readFileSync(join(dir, "a.zip")).equals(readFileSync(join(dir, "b.zip")))).toBe(true);
  });

  it("warns while the developer URLs are still the reach.example.org placeholders", async () => {
    const result = await packageApp({ botId: BOT_ID, outFile: join(tempDir(), "reach.zip") });
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain("privacyUrl");
  });

  const haveUnzip = existsSync("/usr/bin/unzip");
  if (!haveUnzip) {
    console.warn(
      "[skipped] the unzip cross-check needs /usr/bin/unzip (the zip is also read back in JS above)",
    );
  }
  it.skipIf(!haveUnzip)("makes a zip that unzip tests clean", async () => {
    const outFile = join(tempDir(), "reach.zip");
    await packageApp({ botId: BOT_ID, outFile });
    const { stdout } = await run("/usr/bin/unzip", ["-t", outFile]);
    expect(stdout).toContain("No errors detected");
    const listing = await run("/usr/bin/unzip", ["-Z1", outFile]);
    expect(listing.stdout.trim().split("\n")).toEqual([
      "manifest.json",
      "color.png",
      "outline.png",
    ]);
  });

  it("takes the bot id from --bot-id first, then from MicrosoftAppId", () => {
    const env = { MicrosoftAppId: BOT_ID };
    const other = "00000000-1111-4222-8333-444444444444";
    expect(resolveBotId([], env)).toBe(BOT_ID);
    expect(resolveBotId(["--bot-id", other], env)).toBe(other);
    expect(resolveBotId([`--bot-id=${other}`], {})).toBe(other);
  });

  it("refuses a missing bot id, naming MicrosoftAppId", () => {
    expect(() => resolveBotId([], {})).toThrow(PackageError);
    expect(() => resolveBotId([], {})).toThrow(/MicrosoftAppId is not set/);
    expect(() => resolveBotId([], { MicrosoftAppId: "  " })).toThrow(/MicrosoftAppId/);
    expect(() => resolveBotId(["--bot-id"], {})).toThrow(/--bot-id needs a value/);
  });

  it("refuses a bot id that is not a GUID, naming MicrosoftAppId", async () => {
    for (const bad of [
      "my-bot",
      "6f1c2b7e3d4a4b8e9c0d1a2b3c4d5e6f",
      `${BOT_ID}x`,
      BOT_ID_PLACEHOLDER,
    ]) {
      expect(() => resolveBotId([], { MicrosoftAppId: bad })).toThrow(/MicrosoftAppId.*GUID/);
    }
    const dir = tempDir();
    await expect(packageApp({ botId: "my-bot", outFile: join(dir, "reach.zip") })).rejects.toThrow(
      /MicrosoftAppId/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it("runs from the command line and exits 1 with the refusal when the id is missing", async () => {
    const env = { ...process.env };
    delete env.MicrosoftAppId;
    const script = join(REPO_ROOT, "scripts", "package-app.ts");
    const outFile = join(tempDir(), "cli.zip");
    const failed = await run(process.execPath, ["--import", "tsx", script, "--out", outFile], {
      cwd: REPO_ROOT,
      env,
    }).catch((error: { code: number; stderr: string }) => error);
    expect("code" in failed && failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^package: MicrosoftAppId is not set/);
    expect(existsSync(outFile)).toBe(false);

    const ok = await run(process.execPath, ["--import", "tsx", script, "--out", outFile], {
      cwd: REPO_ROOT,
      env: { ...env, MicrosoftAppId: BOT_ID },
    });
    expect(ok.stdout).toContain(outFile);
    expect(readZip(readFileSync(outFile)).map((e) => e.name)).toEqual([
      "manifest.json",
      "color.png",
      "outline.png",
    ]);
  });
});

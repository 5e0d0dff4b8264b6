// The deployment assets, checked offline: the Agents Toolkit files (m365agents*.yml and
// env/), the Azure template (infra/azure.bicep with infra/azure.parameters.json) and the
// settings they give Reach. Nothing here talks to Azure or compiles Bicep (no Bicep CLI is
// needed): the template is read as text, its parameters against the parameters file, and
// the app settings it puts on the web app are fed to Reach's own configuration readers,
// which must accept them as they are.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { readConfig } from "../../src/app/config.ts";
import {
  readStoreSettings,
  REACH_VARIABLES as VARIABLES_READ,
} from "../../src/app/store-settings.ts";
import {
  DEFAULT_COSMOS_CONTAINERS,
  DEFAULT_COSMOS_DATABASE,
} from "../../src/store/cosmos/cosmos-store.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** The yml schema version the files are written for (the toolkit supports v1.0 to v1.13). */
const YML_VERSION = "v1.12";
const SCHEMA_LINE = `# yaml-language-server: $schema=https://aka.ms/m365-agents-toolkits/${YML_VERSION}/yaml.schema.json`;

/**
 * The actions a lifecycle step may use: the `uses` names of the Agents Toolkit's yml schema
 * (v1.12).
 */
const KNOWN_ACTIONS = new Set([
  "aadApp/create",
  "aadApp/update",
  "arm/deploy",
  "azureStorage/enableStaticWebsite",
  "cli/runNpmCommand",
  "cli/runDotnetCommand",
  "cli/runNpxCommand",
  "azureStorage/deploy",
  "azureAppService/zipDeploy",
  "azureFunctions/zipDeploy",
  "teamsApp/create",
  "teamsApp/validateManifest",
  "teamsApp/validateAppPackage",
  "teamsApp/validateWithTestCases",
  "teamsApp/zipAppPackage",
  "teamsApp/update",
  "teamsApp/publishAppPackage",
  "botAadApp/create",
  "botFramework/create",
  "file/createOrUpdateEnvironmentFile",
  "file/createOrUpdateJsonFile",
  "devTool/install",
  "teamsApp/extendToM365",
  "spfx/deploy",
  "teamsApp/copyAppPackageToSPFx",
  "script",
  "apiKey/register",
  "azureStaticWebApps/getDeploymentToken",
  "apiKey/update",
  "oauth/register",
  "oauth/update",
  "devChannel/create",
  "devChannel/installApp",
  "typeSpec/compile",
  "copilotAgent/publish",
]);

const LIFECYCLES = ["provision", "deploy", "publish"] as const;
const TOP_LEVEL_KEYS = new Set([
  "version",
  "environmentFolderPath",
  "projectId",
  "additionalMetadata",
  "provision",
  "deploy",
  "publish",
  "share",
]);

/** Each yml with the environment file it is run with. */
const YMLS = [
  { file: "m365agents.yml", env: "env/.env.dev" },
  { file: "m365agents.local.yml", env: "env/.env.local" },
  { file: "m365agents.playground.yml", env: "env/.env.playground" },
] as const;

/**
 * Variables the toolkit fills in itself when they are empty: it asks for the subscription and
 * resource group before `arm/deploy`, and makes RESOURCE_SUFFIX on the first provision. They
 * must still be listed (empty) in the environment file.
 */
const FILLED_BY_TOOLKIT = new Set([
  "AZURE_SUBSCRIPTION_ID",
  "AZURE_RESOURCE_GROUP_NAME",
  "RESOURCE_SUFFIX",
]);

/**
 * App settings that are not Reach's own variables, and why the web app needs them. Any other
 * setting must be a variable Reach's configuration reads.
 */
const PLATFORM_SETTINGS: Record<string, string> = {
  AZURE_CLIENT_ID:
    "@azure/identity's DefaultAzureCredential (src/app/open-store.ts) picks the user-assigned identity by it",
  SCM_DO_BUILD_DURING_DEPLOYMENT:
    "App Service runs `npm install` on Linux after the zip deploy (native and per-platform packages)",
};

// Stand-ins for what only Azure knows, so the settings can be fed to Reach's readers.
const SAMPLE = {
  clientId: "6f1c2b7e-3d4a-4b8e-9c0d-1a2b3c4d5e6f",
  tenantId: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
  cosmosEndpoint: "https://reachabc123-cosmos.documents.azure.com:443/",
  resourceSuffix: "abc123",
  secret: "not-a-real-secret",
};

/** Bicep expressions the app settings may use, and what they stand for here. */
const AZURE_VALUES: Record<string, string> = {
  "identity.properties.clientId": SAMPLE.clientId,
  "identity.properties.tenantId": SAMPLE.tenantId,
  "cosmos.properties.documentEndpoint": SAMPLE.cosmosEndpoint,
};

/** Values the actions write, for resolving the local and Playground settings. */
const WRITTEN_SAMPLES: Record<string, string> = {
  BOT_ID: SAMPLE.clientId,
  BOT_TENANT_ID: SAMPLE.tenantId,
  SECRET_BOT_PASSWORD: SAMPLE.secret,
};

const PLACEHOLDER = /\$\{\{ *([A-Za-z_][A-Za-z0-9_]*) *\}\}/g;
/** `${{NAME}}`: how the toolkit's files refer to an environment variable. */
const ref = (name: string) => `\${{${name}}}`;

function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
}

// --- Reading the files ---------------------------------------------------------------------

/** A dotenv file as the toolkit writes it: KEY=VALUE lines, # comments. */
function readEnvFile(path: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of read(path).split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const eq = trimmed.indexOf("=");
    if (eq <= 0) throw new Error(`${path}: not KEY=VALUE: ${line}`);
    vars.set(trimmed.slice(0, eq).trim(), trimmed.slice(eq + 1).trim());
  }
  return vars;
}

type Step = {
  uses: string;
  name?: string;
  with?: Record<string, unknown>;
  writeToEnvironmentFile?: Record<string, string>;
};
type Yml = Record<string, unknown> & { version: string } & Partial<
    Record<(typeof LIFECYCLES)[number], Step[]>
  >;

function readYml(path: string): Yml {
  const doc = parseDocument(read(path));
  expect(doc.errors.map(String), `${path} parses as YAML`).toEqual([]);
  return doc.toJS() as Yml;
}

interface BicepParam {
  name: string;
  type: string;
  defaultText: string | undefined;
  allowed: string[] | undefined;
  minLength: number | undefined;
  maxLength: number | undefined;
}

/** `param <name> <type> [= default]` lines with the decorators above them. */
function bicepParams(bicep: string): Map<string, BicepParam> {
  const params = new Map<string, BicepParam>();
  let decorators = "";
  for (const line of bicep.split("\n")) {
    const param = /^param\s+(\w+)\s+(\w+)(?:\s*=\s*(.+))?$/.exec(line.trim());
    if (param) {
      const allowed = /@allowed\(\[([^\]]*)\]\)/.exec(decorators);
      const min = /@minLength\((\d+)\)/.exec(decorators);
      const max = /@maxLength\((\d+)\)/.exec(decorators);
      params.set(param[1], {
        name: param[1],
        type: param[2],
        defaultText: param[3]?.trim(),
        allowed: allowed ? [...allowed[1].matchAll(/'([^']*)'/g)].map((m) => m[1]) : undefined,
        minLength: min ? Number(min[1]) : undefined,
        maxLength: max ? Number(max[1]) : undefined,
      });
      decorators = "";
    } else if (line.startsWith("@") || (decorators !== "" && /^(\s|\])/.test(line))) {
      // A decorator, or the continuation of one (the items of a multi-line @allowed).
      decorators += `${line}\n`;
    } else {
      decorators = "";
    }
  }
  return params;
}

/** `output <NAME> <type> = ...`: the toolkit writes each as an upper-cased variable. */
function bicepOutputs(bicep: string): string[] {
  return [...bicep.matchAll(/^output\s+(\w+)\s+\w+\s*=/gm)].map((m) => m[1].toUpperCase());
}

/** The web app's `appSettings` entries: name and the Bicep expression of the value. */
function bicepAppSettings(bicep: string): { name: string; value: string }[] {
  const start = bicep.indexOf("appSettings: [");
  expect(start, "infra/azure.bicep sets appSettings").toBeGreaterThan(0);
  let depth = 0;
  let end = start;
  for (let i = bicep.indexOf("[", start); i < bicep.length; i++) {
    if (bicep[i] === "[") depth++;
    if (bicep[i] === "]") depth--;
    if (depth === 0) {
      end = i;
      break;
    }
  }
  const block = bicep.slice(start, end);
  return [...block.matchAll(/name:\s*'([^']+)'\s*\n\s*value:\s*([^\n]+)/g)].map((m) => ({
    name: m[1],
    value: m[2].replace(/\s*\/\/.*$/, "").trim(),
  }));
}

/** The body of `resource <symbol> '<type>' = { ... }`. */
function bicepResource(bicep: string, symbol: string): { type: string; body: string } {
  const head = new RegExp(`^resource\\s+${symbol}\\s+'([^']+)'\\s*=\\s*\\{`, "m").exec(bicep);
  if (!head) throw new Error(`infra/azure.bicep has no resource ${symbol}`);
  let depth = 0;
  const open = head.index + head[0].length - 1;
  for (let i = open; i < bicep.length; i++) {
    if (bicep[i] === "{") depth++;
    if (bicep[i] === "}") depth--;
    if (depth === 0) return { type: head[1], body: bicep.slice(open, i + 1) };
  }
  throw new Error(`resource ${symbol} is not closed`);
}

function bicepResources(bicep: string): { symbol: string; type: string; body: string }[] {
  return [...bicep.matchAll(/^resource\s+(\w+)\s+'/gm)].map((m) => ({
    symbol: m[1],
    ...bicepResource(bicep, m[1]),
  }));
}

// --- Shared facts ------------------------------------------------------------------------

const BICEP = read("infra/azure.bicep");
const PARAMS = bicepParams(BICEP);
const PARAMETERS_TEXT = read("infra/azure.parameters.json");
const PARAMETERS = JSON.parse(PARAMETERS_TEXT) as {
  $schema: string;
  contentVersion: string;
  parameters: Record<string, { value: unknown }>;
};
const DEV_ENV = readEnvFile("env/.env.dev");
/**
 * The environment variables Reach's configuration reads: the list made from the zod schemas
 * of src/app/config.ts and src/app/store-settings.ts.
 */
const REACH_VARIABLES = new Set(VARIABLES_READ.map((v) => v.name));
const MANIFEST_TEXT = read("appPackage/manifest.json");

/** A parameter's value at provision: the parameters file filled in from env/.env.dev. */
function parameterValue(name: string): string | undefined {
  const given = PARAMETERS.parameters[name];
  if (given !== undefined) {
    const values = Object.fromEntries(DEV_ENV);
    values.RESOURCE_SUFFIX ||= SAMPLE.resourceSuffix;
    return fill(String(given.value), values);
  }
  const fallback = PARAMS.get(name)?.defaultText;
  return fallback !== undefined && /^'[^']*'$/.test(fallback) ? fallback.slice(1, -1) : undefined;
}

/** The web app's settings as Reach would see them on App Service. */
function appSettingsEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { name, value } of bicepAppSettings(BICEP)) {
    let resolved: string | undefined;
    if (/^'[^']*'$/.test(value)) resolved = value.slice(1, -1);
    else if (AZURE_VALUES[value] !== undefined) resolved = AZURE_VALUES[value];
    else if (PARAMS.has(value)) resolved = parameterValue(value);
    if (resolved === undefined) {
      throw new Error(`app setting ${name}: cannot tell what \`${value}\` is (add it to the test)`);
    }
    env[name] = resolved;
  }
  return env;
}

// --- The Azure template ------------------------------------------------------------------

describe("infra/azure.bicep and infra/azure.parameters.json", () => {
  it("is a deployment parameters file", () => {
    expect(PARAMETERS.$schema).toMatch(/deploymentParameters\.json#$/);
    expect(PARAMETERS.contentVersion).toBe("1.0.0.0");
  });

  it("gives only parameters the template declares, and every one without a default", () => {
    expect(PARAMS.size).toBeGreaterThan(0);
    for (const name of Object.keys(PARAMETERS.parameters)) {
      expect(PARAMS.has(name), `${name} is declared in azure.bicep`).toBe(true);
    }
    for (const param of PARAMS.values()) {
      if (param.defaultText === undefined) {
        expect(
          PARAMETERS.parameters[param.name],
          `${param.name} has no default, so azure.parameters.json gives it`,
        ).toBeDefined();
      }
    }
  });

  it("fills the parameters from env/.env.dev with values the template allows", () => {
    for (const name of placeholders(PARAMETERS_TEXT)) {
      expect(DEV_ENV.has(name), `${name} is listed in env/.env.dev`).toBe(true);
      if (!FILLED_BY_TOOLKIT.has(name)) {
        // The toolkit stops on a placeholder it cannot fill, and an empty value is not filled.
        expect(DEV_ENV.get(name), `${name} has a value in env/.env.dev`).not.toBe("");
      }
    }
    for (const param of PARAMS.values()) {
      const value = parameterValue(param.name);
      if (value === undefined) continue;
      if (param.allowed) expect(param.allowed, `${param.name}=${value}`).toContain(value);
      if (param.minLength !== undefined)
        expect(value.length).toBeGreaterThanOrEqual(param.minLength);
      if (param.maxLength !== undefined) expect(value.length).toBeLessThanOrEqual(param.maxLength);
    }
    // The base of the resource names: lower-case letters and digits (Cosmos DB, web app).
    expect(parameterValue("resourceBaseName")).toMatch(/^[a-z][a-z0-9]+$/);
  });

  it("sets on the web app only Reach's variables (and the two platform settings), each once", () => {
    const names = bicepAppSettings(BICEP).map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(REACH_VARIABLES.has("MicrosoftAppId")).toBe(true);
    expect(REACH_VARIABLES.has("REACH_COSMOS_AUTH")).toBe(true);
    for (const name of names) {
      expect(
        REACH_VARIABLES.has(name) || name in PLATFORM_SETTINGS,
        `${name} is a variable src/app/config.ts or store-settings.ts reads`,
      ).toBe(true);
    }
  });

  it("gives the fixed settings the values this deployment is built on", () => {
    const env = appSettingsEnv();
    expect(env.MicrosoftAppType).toBe("UserAssignedMSI");
    expect(env.REACH_STORE).toBe("cosmos");
    expect(env.REACH_COSMOS_AUTH).toBe("managed-identity");
    // The identity the bot signs in as is the one Cosmos DB is reached with.
    const settings = bicepAppSettings(BICEP);
    const expression = (name: string) => settings.find((s) => s.name === name)?.value;
    expect(expression("MicrosoftAppId")).toBe("identity.properties.clientId");
    expect(expression("AZURE_CLIENT_ID")).toBe(expression("MicrosoftAppId"));
    expect(expression("MicrosoftAppTenantId")).toBe("identity.properties.tenantId");
  });

  it("gives settings Reach's configuration accepts as they are", () => {
    const env = appSettingsEnv();
    const config = readConfig(env);
    expect(config.auth).toEqual({
      appId: SAMPLE.clientId,
      appType: "UserAssignedMSI",
      tenantId: SAMPLE.tenantId,
    });
    expect(config.host).toBe("0.0.0.0");
    expect(config.store).toBe("cosmos");
    expect(config.source).toBe(DEV_ENV.get("REACH_SOURCE"));
    expect(config.dataDir).toBe(DEV_ENV.get("REACH_DATA"));
    expect(config.policies).toBe(DEV_ENV.get("REACH_POLICIES"));
    expect(config.dataDir).toMatch(/^\/home\//);
    expect(config.policies).toMatch(/^\/home\//);
    expect(readStoreSettings(undefined, env)).toEqual({
      kind: "cosmos",
      endpoint: SAMPLE.cosmosEndpoint,
      database: DEFAULT_COSMOS_DATABASE,
      auth: "managed-identity",
      selfSigned: false,
    });
  });

  it("holds no key, password or connection string", () => {
    for (const { name } of bicepAppSettings(BICEP)) {
      expect(name).not.toMatch(/PASSWORD|_KEY$|SECRET|CONNECTION/i);
    }
    expect(BICEP).not.toMatch(/listKeys|listConnectionStrings|primaryMasterKey|@secure/);
    expect(bicepResource(BICEP, "cosmos").body).toMatch(/disableLocalAuth:\s*true/);
    for (const policy of ["ftpBasicAuth", "scmBasicAuth"]) {
      expect(bicepResource(BICEP, policy).body).toMatch(/allow:\s*false/);
    }
  });

  it("runs Reach on App Service for Linux, Node 20, with `npm run serve`", () => {
    const { type, body } = bicepResource(BICEP, "webApp");
    expect(type).toMatch(/^Microsoft\.Web\/sites@/);
    expect(body).toContain("linuxFxVersion: 'NODE|20-lts'");
    expect(body).toContain("appCommandLine: 'npm run serve'");
    expect(body).toMatch(/'\$\{identity\.id\}': \{\}/);
    expect(bicepResource(BICEP, "plan").body).toMatch(/reserved:\s*true/);
    const pkg = JSON.parse(read("package.json"));
    expect(pkg.scripts.serve).toBeDefined();
    expect(pkg.engines.node).toMatch(/^>=20(\.|$)/);
    // The server's health route (src/teams/server.ts) is App Service's health check.
    expect(body).toContain("healthCheckPath: '/health'");
    expect(read("src/teams/server.ts")).toContain('http.get("/health"');
  });

  it("registers the bot as the managed identity, on the web app's /api/messages, in Teams", () => {
    const bot = bicepResource(BICEP, "bot");
    expect(bot.type).toMatch(/^Microsoft\.BotService\/botServices@/);
    expect(bot.body).toContain("msaAppType: 'UserAssignedMSI'");
    expect(bot.body).toContain("msaAppId: identity.properties.clientId");
    expect(bot.body).toContain("msaAppTenantId: identity.properties.tenantId");
    expect(bot.body).toContain("msaAppMSIResourceId: identity.id");
    expect(bot.body).toMatch(
      /endpoint: 'https:\/\/\$\{webApp\.properties\.defaultHostName\}\/api\/messages'/,
    );
    expect(read("src/teams/server.ts")).toContain('http.post("/api/messages"');
    const channel = bicepResource(BICEP, "teamsChannel");
    expect(channel.type).toMatch(/^Microsoft\.BotService\/botServices\/channels@/);
    expect(channel.body).toContain("parent: bot");
    expect(channel.body).toContain("channelName: 'MsTeamsChannel'");
    expect(bicepResource(BICEP, "identity").type).toMatch(
      /^Microsoft\.ManagedIdentity\/userAssignedIdentities@/,
    );
  });

  it("makes the database and containers Reach uses, since its data role cannot", () => {
    expect(PARAMS.get("cosmosDatabaseName")?.defaultText).toBe(`'${DEFAULT_COSMOS_DATABASE}'`);
    const containers = bicepResources(BICEP).filter((r) =>
      r.type.startsWith("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@"),
    );
    const byName = new Map(
      containers.map((c) => [/\bname:\s*'([^']+)'/.exec(c.body)?.[1] ?? "", c.body]),
    );
    expect([...byName.keys()].sort()).toEqual(Object.values(DEFAULT_COSMOS_CONTAINERS).sort());
    for (const body of byName.values()) {
      expect(body).toContain("parent: database");
      expect(body).toMatch(/paths:\s*\[\s*'\/policyId'\s*\]/);
    }
    // Leases carry a ttl: the cases container has TTL on (src/store/cosmos/cosmos-store.ts).
    expect(byName.get(DEFAULT_COSMOS_CONTAINERS.cases)).toMatch(/defaultTtl:\s*-1/);
  });

  it("grants the identity the built-in Data Contributor role on Reach's database", () => {
    const grant = bicepResource(BICEP, "cosmosDataAccess");
    expect(grant.type).toMatch(/^Microsoft\.DocumentDB\/databaseAccounts\/sqlRoleAssignments@/);
    expect(BICEP).toMatch(/cosmosDataContributorRoleId = '00000000-0000-0000-0000-000000000002'/);
    expect(grant.body).toMatch(
      /roleDefinitionId: '\$\{cosmos\.id\}\/sqlRoleDefinitions\/\$\{cosmosDataContributorRoleId\}'/,
    );
    expect(grant.body).toContain("principalId: identity.properties.principalId");
    expect(grant.body).toMatch(/scope: '\$\{cosmos\.id\}\/dbs\/\$\{cosmosDatabaseName\}'/);
  });
});

// --- The Agents Toolkit files --------------------------------------------------------------

describe.each(YMLS)("$file", ({ file, env }) => {
  const yml = readYml(file);
  const envVars = readEnvFile(env);
  const steps = LIFECYCLES.flatMap((lifecycle) =>
    (yml[lifecycle] ?? []).map((step, index) => ({ lifecycle, index, step })),
  );

  it(`declares schema ${YML_VERSION}, on the first line and in \`version\``, () => {
    expect(read(file).split("\n")[0]).toBe(SCHEMA_LINE);
    expect(yml.version).toBe(YML_VERSION);
    expect(yml.environmentFolderPath).toBe("./env");
    for (const key of Object.keys(yml)) expect(TOP_LEVEL_KEYS, key).toContain(key);
  });

  it("uses only actions the toolkit knows, in lifecycles that are lists", () => {
    expect(steps.length).toBeGreaterThan(0);
    for (const lifecycle of LIFECYCLES) {
      if (yml[lifecycle] !== undefined) expect(Array.isArray(yml[lifecycle])).toBe(true);
    }
    for (const { lifecycle, index, step } of steps) {
      expect(KNOWN_ACTIONS.has(step.uses), `${lifecycle}[${index}] uses ${step.uses}`).toBe(true);
    }
  });

  it(`uses only variables that ${env} lists or an earlier step writes`, () => {
    const known = new Set(envVars.keys());
    for (const { lifecycle, index, step } of steps) {
      let used = placeholders(JSON.stringify(step.with ?? {}));
      if (step.uses === "arm/deploy") used = [...used, ...placeholders(PARAMETERS_TEXT)];
      if (["teamsApp/zipAppPackage", "teamsApp/validateManifest"].includes(step.uses)) {
        used = [...used, ...placeholders(MANIFEST_TEXT)];
      }
      for (const name of used) {
        expect(known.has(name), `${lifecycle}[${index}] ${step.uses} uses ${name}`).toBe(true);
      }
      for (const written of Object.values(step.writeToEnvironmentFile ?? {})) known.add(written);
      if (step.uses === "arm/deploy") for (const output of bicepOutputs(BICEP)) known.add(output);
    }
  });

  it("refers to files that exist", () => {
    for (const { step } of steps) {
      const withArgs = step.with ?? {};
      for (const key of ["manifestPath", "ignoreFile"]) {
        const path = withArgs[key];
        if (typeof path === "string") expect(existsSync(join(ROOT, path)), path).toBe(true);
      }
      for (const template of (withArgs.templates as { path: string; parameters: string }[]) ?? []) {
        expect(existsSync(join(ROOT, template.path)), template.path).toBe(true);
        expect(existsSync(join(ROOT, template.parameters)), template.parameters).toBe(true);
      }
    }
  });

  it(`keeps secrets out of ${env} (it is committed)`, () => {
    // Ids and addresses that provisioning writes back (GUIDs, resource ids, host names) may
    // be committed; a password, key or token may not: the toolkit keeps SECRET_ variables in
    // ${env}.user.
    for (const [name, value] of envVars) {
      expect(name, `${env}: secrets go to ${env}.user`).not.toMatch(/^SECRET_/);
      expect(name, `${env}: ${name}`).not.toMatch(/PASSWORD|SECRET|_KEY$|TOKEN|CONNECTION_STRING/i);
      // A long unbroken run of token characters: what client secrets and account keys look
      // like, and what GUIDs, resource ids and host names (broken by - / .) do not.
      expect(value, `${env}: ${name}`).not.toMatch(/[A-Za-z0-9+=_~]{30,}/);
    }
    expect(envVars.get("TEAMSFX_ENV")).toBe(env.replace("env/.env.", ""));
  });

  it("writes Reach's settings (if it does) under build/, in a form Reach accepts", () => {
    const writers = steps.filter(({ step }) => step.uses === "file/createOrUpdateEnvironmentFile");
    const values = { ...Object.fromEntries(envVars), ...WRITTEN_SAMPLES };
    for (const { step } of writers) {
      const target = String(step.with?.target);
      // Not committed: build/ is ignored, and the local file holds the client secret.
      expect(target).toMatch(/^\.\/build\/[^/]+$/);
      expect(read(".gitignore").split("\n")).toContain("build/");
      const envs = step.with?.envs as Record<string, string | number>;
      const settings = Object.fromEntries(
        Object.entries(envs).map(([name, value]) => [name, fill(String(value), values)]),
      );
      for (const [name, value] of Object.entries(settings)) {
        expect(REACH_VARIABLES.has(name), `${name} is one of Reach's variables`).toBe(true);
        expect(placeholders(value), `${name} is resolved`).toEqual([]);
      }
      const config = readConfig(settings);
      const store = readStoreSettings(undefined, settings);
      expect(store.kind).toBe("sqlite");
      for (const path of [config.dataDir, config.policies]) {
        expect(path !== undefined && existsSync(join(ROOT, path)), `${path} exists`).toBe(true);
      }
      if (file === "m365agents.local.yml") {
        expect(config.auth).toEqual({
          appId: SAMPLE.clientId,
          appPassword: SAMPLE.secret,
          appType: "SingleTenant",
          tenantId: SAMPLE.tenantId,
        });
      } else {
        expect(config.auth).toBeUndefined();
        expect(config.host).toBe("127.0.0.1");
      }
    }
    if (file !== "m365agents.yml") expect(writers.length).toBe(1);
  });
});

describe("the toolkit environments", () => {
  it("dev: provisions Azure, then the Teams app under the bot's id, and zip-deploys Reach", () => {
    const yml = readYml("m365agents.yml");
    const provision = (yml.provision ?? []).map((s) => s.uses);
    expect(provision).toEqual([
      "arm/deploy",
      "teamsApp/create",
      "teamsApp/validateManifest",
      "teamsApp/zipAppPackage",
      "teamsApp/validateAppPackage",
      "teamsApp/update",
    ]);
    // The manifest's id is ${{BOT_ID}} (appPackage/README.md): teamsApp/update finds the app
    // by that id, so teamsApp/create must make it under the same one.
    expect(placeholders(MANIFEST_TEXT)).toEqual(["BOT_ID"]);
    expect(yml.provision?.[1].writeToEnvironmentFile?.teamsAppId).toBe("BOT_ID");
    expect(bicepOutputs(BICEP)).toContain("BOT_ID");
    const deploy = yml.deploy ?? [];
    const zipDeploy = deploy.find((s) => s.uses === "azureAppService/zipDeploy");
    expect(zipDeploy?.with?.resourceId).toBe(ref("AZURE_APP_SERVICE_RESOURCE_ID"));
    expect(bicepOutputs(BICEP)).toContain("AZURE_APP_SERVICE_RESOURCE_ID");
  });

  it("dev: uploads Reach without node_modules or local data, since App Service installs it", () => {
    expect(appSettingsEnv().SCM_DO_BUILD_DURING_DEPLOYMENT).toBe("true");
    const ignored = read("infra/.webappignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    for (const path of ["/node_modules/", "/data/", "/env/", "/.git/", "/tests/"]) {
      expect(ignored).toContain(path);
    }
    // What `npm run serve` needs stays in: nothing that would match src/, cards/, bin/.
    for (const kept of ["src", "cards", "bin", "package.json", "package-lock.json"]) {
      expect(ignored.some((l) => l.replace(/^\/|\/$/g, "") === kept)).toBe(false);
    }
  });

  it("local: registers a single-tenant bot on the tunnel's /api/messages", () => {
    const yml = readYml("m365agents.local.yml");
    const provision = yml.provision ?? [];
    const aad = provision.find((s) => s.uses === "aadApp/create");
    expect(aad?.with?.signInAudience).toBe("AzureADMyOrg");
    expect(aad?.writeToEnvironmentFile?.clientSecret).toMatch(/^SECRET_/);
    const bot = provision.find((s) => s.uses === "botFramework/create");
    expect(bot?.with?.messagingEndpoint).toBe(`${ref("BOT_ENDPOINT")}/api/messages`);
    expect(bot?.with?.channels).toEqual([{ name: "msteams" }]);
  });

  it("playground: the Playground's mock tenant and endpoint match Reach's local run", () => {
    const env = readEnvFile("env/.env.playground");
    const config = env.get("M365_AGENTS_PLAYGROUND_CONFIG_PATH") ?? "";
    expect(existsSync(join(ROOT, config)), config).toBe(true);
    const yml = readYml("m365agents.playground.yml");
    const envs = yml.deploy?.find((s) => s.uses === "file/createOrUpdateEnvironmentFile")?.with
      ?.envs as Record<string, unknown>;
    expect(env.get("BOT_ENDPOINT")).toBe(`http://127.0.0.1:${envs.PORT}/api/messages`);
    expect(Number(env.get("TEAMSAPPTESTER_PORT"))).toBeGreaterThan(0);
  });
});

// --- The toolkit's own schema, when it is at hand -------------------------------------------

/**
 * The JSON schema of m365agents.yml ships in the npm package @microsoft/teamsfx-core
 * (resource/yaml-schema/<version>/yaml.schema.json), some 25 MB, which Reach does not
 * depend on. Point REACH_ATK_YAML_SCHEMA at that file (e.g. from `npm pack
 * @microsoft/teamsfx-core` in a temporary folder) to check the ymls against it too.
 */
const SCHEMA_PATH =
  process.env.REACH_ATK_YAML_SCHEMA ??
  join(
    ROOT,
    "node_modules/@microsoft/teamsfx-core/resource/yaml-schema",
    YML_VERSION,
    "yaml.schema.json",
  );

describe.skipIf(!existsSync(SCHEMA_PATH))(
  "against the Agents Toolkit's yml schema (REACH_ATK_YAML_SCHEMA)",
  () => {
    it.each(YMLS)("$file is valid", ({ file }) => {
      const schema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8"));
      const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
      const valid = validate(readYml(file));
      expect(validate.errors ?? [], file).toEqual([]);
      expect(valid).toBe(true);
    });
  },
);

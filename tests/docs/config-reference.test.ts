/**
 * The configuration reference in docs/operations.md is the one the schemas make
 * (scripts/config-reference.ts, `npm run docs:config`), and what it says holds: every
 * variable described once, the defaults and values it lists the ones Reach applies and
 * accepts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod/v4";
import {
  configReference,
  END_MARKER,
  OPERATIONS_DOC,
  referenceIn,
  START_MARKER,
  withReference,
} from "../../scripts/config-reference.ts";
import {
  CONFIG_VARIABLES,
  ConfigError,
  type EnvVariable,
  readConfig,
  variablesOf,
} from "../../src/app/config.ts";
import {
  DEFAULT_SQLITE_PATH,
  REACH_HOME,
  REACH_VARIABLES,
  readStoreSettings,
  STORE_VARIABLES,
} from "../../src/app/store-settings.ts";
import { DEFAULT_COSMOS_DATABASE } from "../../src/store/cosmos/cosmos-store.ts";

const byName = (list: readonly EnvVariable[], name: string) => {
  const v = list.find((x) => x.name === name);
  if (v === undefined) throw new Error(`no variable ${name}`);
  return v;
};

/** The problems readConfig reports for `env` that name `variable`. */
function problemsOf(env: Record<string, string>, variable: string): string[] {
  try {
    readConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.filter((p) => p.startsWith(`${variable} `));
  }
}

describe("docs/operations.md's configuration reference", () => {
  it("is the table the schemas make", () => {
    const doc = readFileSync(OPERATIONS_DOC, "utf8");
    const inDoc = referenceIn(doc);
    expect(inDoc, `docs/operations.md has no ${START_MARKER} … ${END_MARKER}`).toBeDefined();
    if (inDoc !== configReference()) {
      expect.fail(
        "docs/operations.md's configuration reference is out of date: run `npm run docs:config`",
      );
    }
  });

  it("has one row per variable, in a well-formed table", () => {
    const rows = configReference().split("\n");
    expect(rows).toHaveLength(REACH_VARIABLES.length + 2);
    for (const row of rows) expect(row.match(/(?<!\\)\|/g)).toHaveLength(6);
    for (const v of REACH_VARIABLES) {
      expect(rows.filter((r) => r.startsWith(`| \`${v.name}\` |`))).toHaveLength(1);
    }
  });

  it("is written between the markers, and only there", () => {
    const doc = `# T\n\nbefore\n\n${START_MARKER}\nold table\n${END_MARKER}\n\nafter\n`;
    const written = withReference(doc, "| new |");
    expect(written).toBe(`# T\n\nbefore\n\n${START_MARKER}\n| new |\n${END_MARKER}\n\nafter\n`);
    expect(withReference(written, "| new |")).toBe(written);
    expect(() => withReference("no markers", "| t |")).toThrow(/config-reference:start/);
    expect(() => withReference(`${END_MARKER}\n${START_MARKER}`, "| t |")).toThrow();
  });
});

describe("variablesOf", () => {
  it("reads each field's description, default, values and whether it is required", () => {
    const schema = z.object({
      A: z.string().describe("Needed."),
      B: z.enum(["x", "y"]).default("y").describe("A choice."),
      C: z
        .preprocess((v) => v, z.enum(["p", "q"]).optional())
        .meta({ description: "Optional.", default: "`p` when …", requiredWhen: "with `B=x`" }),
      D: z
        .string()
        .optional()
        .meta({ description: "Free.", values: ["u"] }),
      E: z.coerce.number().default(5),
    });
    expect(variablesOf(schema)).toEqual([
      { name: "A", description: "Needed.", required: true },
      { name: "B", description: "A choice.", default: "y", values: ["x", "y"], required: false },
      {
        name: "C",
        description: "Optional.",
        default: "`p` when …",
        values: ["p", "q"],
        required: false,
        requiredWhen: "with `B=x`",
      },
      { name: "D", description: "Free.", values: ["u"], required: false },
      { name: "E", description: "", default: "5", required: false },
    ]);
  });
});

describe("the variables", () => {
  it("are each described, and listed once", () => {
    const names = REACH_VARIABLES.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const v of [...CONFIG_VARIABLES, ...STORE_VARIABLES]) {
      expect(v.description, v.name).toMatch(/^\S.{10,}[.)]$/s);
    }
    expect(names).toEqual(
      expect.arrayContaining(["MicrosoftAppId", "REACH_SCHEDULER", "REACH_NOW", "REACH_DB"]),
    );
  });

  it("describe a variable both files read alike", () => {
    const both = CONFIG_VARIABLES.filter((c) => STORE_VARIABLES.some((s) => s.name === c.name));
    expect(both.map((v) => v.name)).toEqual(["REACH_STORE"]);
    for (const c of both) {
      const s = byName(STORE_VARIABLES, c.name);
      expect(s.default).toBe(c.default);
      expect(s.values).toEqual(c.values);
      expect(s.description).toBe(c.description);
    }
  });

  it("list the defaults readConfig applies", () => {
    const config = readConfig({});
    expect(byName(CONFIG_VARIABLES, "PORT").default).toBe(String(config.port));
    expect(byName(CONFIG_VARIABLES, "REACH_SOURCE").default).toBe(config.source);
    expect(byName(CONFIG_VARIABLES, "REACH_STORE").default).toBe(config.store);
    expect(byName(CONFIG_VARIABLES, "REACH_LOG_LEVEL").default).toBe(config.logLevel);
    expect(byName(CONFIG_VARIABLES, "REACH_DIRECTORY_REFRESH_MINUTES").default).toBe(
      String(config.directoryRefreshMinutes),
    );
    expect(byName(CONFIG_VARIABLES, "REACH_SCHEDULER").default).toBe(
      config.scheduler ? "on" : "off",
    );
    expect(byName(CONFIG_VARIABLES, "HOST").default).toContain(`\`${config.host}\``);
    const app = readConfig({
      MicrosoftAppId: "11111111-2222-3333-4444-555555555555",
      MicrosoftAppPassword: "secret",
    });
    expect(byName(CONFIG_VARIABLES, "MicrosoftAppType").default).toBe(app.auth?.appType);
    expect(byName(CONFIG_VARIABLES, "HOST").default).toContain(`\`${app.host}\``);
  });

  it("list the defaults the store's settings apply", () => {
    expect(readStoreSettings(undefined, {}).kind).toBe(
      byName(STORE_VARIABLES, "REACH_STORE").default,
    );
    const db = byName(STORE_VARIABLES, "REACH_DB").default ?? "";
    expect(DEFAULT_SQLITE_PATH).toBe(`${REACH_HOME}/${db.replace(/^`<Reach folder>\/|`$/g, "")}`);
    expect(byName(STORE_VARIABLES, "REACH_COSMOS_DATABASE").default).toBe(DEFAULT_COSMOS_DATABASE);
  });

  it("accept each value they list, and refuse another", () => {
    const app = {
      MicrosoftAppId: "11111111-2222-3333-4444-555555555555",
      MicrosoftAppTenantId: "99999999-8888-7777-6666-555555555555",
    };
    for (const v of CONFIG_VARIABLES.filter((x) => x.values !== undefined)) {
      for (const value of v.values ?? []) {
        expect(problemsOf({ ...app, [v.name]: value }, v.name), `${v.name}=${value}`).toEqual([]);
      }
      expect(problemsOf({ ...app, [v.name]: "not-a-value" }, v.name)).toHaveLength(1);
    }
    const cosmos = { REACH_STORE: "cosmos", REACH_COSMOS_ENDPOINT: "https://127.0.0.1:8081/" };
    for (const value of byName(STORE_VARIABLES, "REACH_STORE").values ?? []) {
      expect(
        readStoreSettings(undefined, { ...cosmos, REACH_COSMOS_KEY: "k", REACH_STORE: value }).kind,
      ).toBe(value);
    }
    expect(() => readStoreSettings(undefined, { REACH_STORE: "mongo" })).toThrow(ConfigError);
    const [auth] = byName(STORE_VARIABLES, "REACH_COSMOS_AUTH").values ?? [];
    expect(readStoreSettings(undefined, { ...cosmos, REACH_COSMOS_AUTH: auth })).toMatchObject({
      auth: "managed-identity",
    });
    expect(() =>
      readStoreSettings(undefined, { ...cosmos, REACH_COSMOS_AUTH: "password" }),
    ).toThrow(/REACH_COSMOS_AUTH/);
    const [tls] = byName(STORE_VARIABLES, "REACH_COSMOS_LOOPBACK_TLS").values ?? [];
    expect(
      readStoreSettings(undefined, {
        ...cosmos,
        REACH_COSMOS_KEY: "k",
        REACH_COSMOS_LOOPBACK_TLS: tls,
      }),
    ).toMatchObject({ selfSigned: true });
  });

  it("say when a variable is required by another's value", () => {
    expect(byName(STORE_VARIABLES, "REACH_COSMOS_ENDPOINT").requiredWhen).toContain(
      "REACH_STORE=cosmos",
    );
    expect(() =>
      readStoreSettings(undefined, { REACH_STORE: "cosmos", REACH_COSMOS_KEY: "k" }),
    ).toThrow(/needs REACH_COSMOS_ENDPOINT/);
    expect(byName(CONFIG_VARIABLES, "MicrosoftAppPassword").requiredWhen).toContain(
      "MicrosoftAppId",
    );
    expect(
      problemsOf(
        { MicrosoftAppId: "11111111-2222-3333-4444-555555555555" },
        "MicrosoftAppPassword",
      ),
    ).toHaveLength(1);
    expect(byName(CONFIG_VARIABLES, "MicrosoftAppTenantId").requiredWhen).toContain("SingleTenant");
  });
});

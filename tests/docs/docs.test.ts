/**
 * The documentation stands alone and tells the truth:
 *
 * - every link of every Markdown file leads somewhere: a relative link to a file or
 *   folder of the repository, an `#anchor` to a heading of its file; web links are
 *   listed and must be well-formed (nothing is fetched);
 * - no document or source comment points to design documents a reader does not have;
 * - every command example of README.md and rules/README.md runs: `npx reach …` as the
 *   real `reach` command, from a folder laid out like the repository, on a store of its
 *   own, and exits as the document says; an `npm` command names a script package.json
 *   has; the policies shown in full in rules/README.md load.
 *
 * Examples that need the public data sets (`../shared/data`) are skipped, with the reason
 * printed, when that folder is not beside the clone; so are examples the test cannot
 * run (a placeholder it has no value for, a pipe).
 */
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, extname, isAbsolute, join, relative, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  anchorsOf,
  type Command,
  codeSpans,
  commandsOf,
  linksOf,
  type ShellToken,
  shellWords,
  splitFences,
} from "./markdown.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/reach.js");
const SHARED = resolve(ROOT, "../shared");
/** One `reach` process: tsx start-up and an import on a busy two-core machine. */
const COMMAND_TIMEOUT = 120_000;

const SKIPPED_DIRS = new Set([
  "node_modules",
  "scratch",
  "test-artifacts",
  "build",
  "coverage",
  "dist",
  ".git",
  ".data",
]);

/** Every file under `dir` whose name passes `keep`, as paths relative to the repository. */
function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name)) continue;
        // The top-level data/ is the store and quarantine of local runs, not the project's.
        if (at === ROOT && entry.name === "data") continue;
        walk(path);
      } else if (entry.isFile() && keep(entry.name)) {
        out.push(relative(ROOT, path));
      }
    }
  };
  walk(dir);
  return out.sort();
}

const MARKDOWN = filesUnder(ROOT, (name) => name.endsWith(".md"));
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");

const anchorCache = new Map<string, Set<string>>();
function anchors(file: string): Set<string> {
  let found = anchorCache.get(file);
  if (!found) {
    found = anchorsOf(read(file));
    anchorCache.set(file, found);
  }
  return found;
}

/** What is wrong with one link of `file`, or undefined. Web links are collected. */
function checkLink(file: string, target: string, web: Set<string>): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
    if (target.startsWith("mailto:")) return undefined;
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return "is not a well-formed URL";
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return `uses ${url.protocol}`;
    if (!/^(?:[a-z0-9-]+\.)+[a-z]{2,}$|^localhost$|^127\.0\.0\.1$/i.test(url.hostname))
      return `has no proper host name (${url.hostname})`;
    web.add(target);
    return undefined;
  }
  const hash = target.indexOf("#");
  const pathPart = hash < 0 ? target : target.slice(0, hash);
  const fragment = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
  let path = file;
  if (pathPart !== "") {
    const decoded = decodeURIComponent(pathPart.replace(/\?.*$/, ""));
    const absolute = decoded.startsWith("/")
      ? join(ROOT, decoded)
      : resolve(ROOT, dirname(file), decoded);
    path = relative(ROOT, absolute);
    if (path.startsWith("..") || isAbsolute(path))
      return "leads outside the repository, which a reader of Reach does not have";
    if (!existsSync(absolute)) return "leads to nothing: no such file or folder";
  }
  if (fragment === undefined) return undefined;
  if (extname(path) === ".md") {
    return anchors(path).has(fragment)
      ? undefined
      : `names #${fragment}, which is no heading of ${path} (it has ${[...anchors(path)].map((a) => `#${a}`).join(", ")})`;
  }
  if (statSync(join(ROOT, path)).isFile() && /^L\d+(?:-L\d+)?$/.test(fragment)) return undefined;
  return `names #${fragment} in ${path}, which has no headings`;
}

describe("links in the Markdown files", () => {
  const web = new Set<string>();
  let checked = 0;

  it("finds the documentation", () => {
    expect(MARKDOWN).toContain("README.md");
    expect(MARKDOWN).toContain("rules/README.md");
    expect(MARKDOWN.some((f) => f.startsWith("docs/"))).toBe(true);
  });

  it.each(MARKDOWN)("%s: every link leads somewhere", (file) => {
    const broken: string[] = [];
    for (const link of linksOf(read(file))) {
      checked++;
      const problem = checkLink(file, link.target, web);
      if (problem) broken.push(`${file}:${link.line} ${link.target} ${problem}`);
    }
    expect(broken).toEqual([]);
  });

  it("lists the web links (not fetched: well-formed is all that is checked)", () => {
    console.log(
      `docs: ${checked} links in ${MARKDOWN.length} Markdown files; ${web.size} web links, not fetched:\n  ${[...web].sort().join("\n  ")}`,
    );
    expect(checked).toBeGreaterThan(0);
  });

  it("catches a link that leads nowhere", () => {
    const web = new Set<string>();
    expect(checkLink("README.md", "docs/storage.md#outbox", web)).toBeUndefined();
    expect(checkLink("README.md", "#start-here", web)).toBeUndefined();
    expect(checkLink("docs/teams.md", "../src/demo", web)).toBeUndefined();
    expect(checkLink("README.md", "docs/no-such-page.md", web)).toMatch(/no such file/);
    expect(checkLink("README.md", "docs/storage.md#no-such-heading", web)).toMatch(/no heading/);
    expect(checkLink("README.md", "#nowhere", web)).toMatch(/no heading/);
    expect(checkLink("README.md", "../shared/data", web)).toMatch(/outside the repository/);
    expect(checkLink("README.md", "https://exa mple.org", web)).toBeDefined();
    expect(checkLink("README.md", "ftp://example.org/x", web)).toBeDefined();
    expect(web.size).toBe(0);
    const text =
      '`[a](in-code.md)`\n```\n[b](in-a-block.md)\n```\n[c](here.md "title") <https://example.org>';
    expect(linksOf(text)).toEqual([
      { target: "here.md", line: 5 },
      { target: "https://example.org", line: 5 },
    ]);
  });

  it("checks anchors the way GitHub makes them", () => {
    const text = '# Reach\'s targets\n## `schools: ["*"]` — every school\n## Tests\n## Tests\n';
    expect([...anchorsOf(text)]).toEqual([
      "reachs-targets",
      "schools---every-school",
      "tests",
      "tests-1",
    ]);
    expect(anchorsOf("```md\n# not a heading\n```\n").size).toBe(0);
  });
});

describe("documents that stand alone", () => {
  const FORBIDDEN = /PRODUCT\.md|PRODUCT\s*§|shared\/design|steering repositor/;
  const SOURCES = ["src", "bench", "scripts"].flatMap((dir) =>
    filesUnder(join(ROOT, dir), (name) => /\.(?:ts|mts|js|mjs)$/.test(name)),
  );

  it("no Markdown file, and no source under src/, bench/ or scripts/, cites documents outside the repository", () => {
    const found: string[] = [];
    for (const file of [...MARKDOWN, ...SOURCES]) {
      for (const [i, line] of read(file).split("\n").entries()) {
        if (FORBIDDEN.test(line)) found.push(`${file}:${i + 1} ${line.trim()}`);
      }
    }
    expect(SOURCES.length).toBeGreaterThan(50);
    expect(found).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// Commands

const PACKAGE = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
/** npm's own commands that a document may show. */
const NPM_BUILTINS = new Set(["install", "i", "ci"]);

/** The npm commands of a document, in code blocks and code spans: the script each names. */
function npmScripts(text: string): { script: string; command: string }[] {
  const { fences, prose } = splitFences(text);
  const code = [...fences.flatMap((f) => f.lines), ...codeSpans(prose)];
  const found: { script: string; command: string }[] = [];
  for (const line of code) {
    for (const m of line.matchAll(
      /(?:^|[\s;&|(])npm\s+(?:(?:run|run-script)\s+)?([a-z][\w:.-]*)/g,
    )) {
      found.push({ script: m[1], command: line.trim() });
    }
  }
  return found;
}

describe("npm commands in the documentation", () => {
  it.each(MARKDOWN)("%s: every npm command names a script of package.json", (file) => {
    const missing = npmScripts(read(file))
      .filter(({ script }) => !NPM_BUILTINS.has(script) && !(script in PACKAGE.scripts))
      .map(({ script, command }) => `${file}: npm ${script} (in "${command}") is no script`);
    expect(missing).toEqual([]);
  });

  it("reads npm commands as npm does", () => {
    const scripts = npmScripts(
      "```sh\nnpm install\nnpm start\nnpm run bench:engine -- --reps 5\nMicrosoftAppId=x npm run package\n```\n`npm test`",
    ).map((s) => s.script);
    expect(scripts).toEqual(["install", "start", "bench:engine", "package", "test"]);
  });
});

describe("files named in the documentation's commands", () => {
  it.each(MARKDOWN)("%s: the scripts and test paths its commands name exist", (file) => {
    const missing: string[] = [];
    for (const fence of splitFences(read(file)).fences) {
      if (!["sh", "bash", "console", "shell", ""].includes(fence.lang)) continue;
      for (const command of commandsOf(fence)) {
        const words = wordsOf(shellWords(command.text) ?? []);
        const named =
          words[0] === "node"
            ? words.slice(1).filter((w) => /\.(?:ts|js|mjs)$/.test(w))
            : words[0] === "npx" && (words[1] === "tsx" || words[1] === "vitest")
              ? words.slice(2).filter((w) => w.includes("/") && !w.startsWith("-"))
              : [];
        for (const path of named) {
          if (!existsSync(join(ROOT, path))) missing.push(`${file}:${command.line} ${path}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

function wordsOf(tokens: ShellToken[]): string[] {
  const words: string[] = [];
  for (const t of tokens) {
    if ("op" in t) break;
    words.push(t.word);
  }
  return words;
}

/** The documents whose command examples are run. */
const RUN_DOCS = ["README.md", "rules/README.md"];
const SHELL_LANGS = new Set(["sh", "bash", "console", "shell"]);

interface Example {
  file: string;
  command: Command;
  /** The arguments after `npx reach`, placeholders still in. */
  args: string[];
  env: Record<string, string>;
  /** `> file`: where stdout goes. */
  stdoutTo?: string;
  /** Exit codes the document allows for it. */
  codes: number[];
  /** Why it is not run, when it is not. */
  skip?: string;
}

/** A placeholder the test can fill with a value from the store. */
const FILLABLE = /^<(case[ -]?id|student[ -]?id|id)>$/i;

function exampleOf(file: string, command: Command, before: string): Example | undefined {
  // A placeholder (`<case id>`) is one word to the reader, not a redirection.
  const placeholders: string[] = [];
  const text = command.text.replace(/<[A-Za-z][^<>]*>/g, (p) => {
    placeholders.push(p);
    return `PLACEHOLDER${placeholders.length - 1}.`;
  });
  const tokens = shellWords(text);
  const example: Example = { file, command, args: [], env: {}, codes: [0] };
  if (tokens === undefined) return { ...example, skip: "shell syntax the test does not read" };
  const words: string[] = [];
  const rest = tokens.map((t) =>
    "word" in t
      ? { word: t.word.replace(/PLACEHOLDER(\d+)\./g, (_, i) => placeholders[Number(i)]) }
      : t,
  );
  while (rest.length > 0 && "word" in rest[0]) words.push((rest.shift() as { word: string }).word);
  while (words.length > 0 && /^[A-Za-z_]\w*=/.test(words[0])) {
    const [name, ...value] = (words.shift() as string).split("=");
    example.env[name] = value.join("=");
  }
  if (words[0] === "npm") return undefined; // checked against package.json above
  if (words[0] !== "npx" || words[1] !== "reach") {
    return { ...example, skip: `not a reach command (${words[0]})` };
  }
  example.args = words.slice(2);
  const op = rest[0];
  if (op !== undefined) {
    const target = rest[1];
    if ("op" in op && op.op === ">" && rest.length === 2 && target && "word" in target) {
      example.stdoutTo = target.word;
    } else {
      return { ...example, skip: "shell operators other than `> file`" };
    }
  }
  // Exit 0, unless the document says otherwise for this command (its comment) or says
  // the import of the examples is partial (their paragraph or the comment).
  const codes = new Set([0]);
  if (/\bpartial\b/i.test(`${command.comment} ${before}`)) codes.add(3);
  for (const m of command.comment.matchAll(/\bexits?(?: with)?(?: code| status)? `?(\d)`?/g)) {
    codes.add(Number(m[1]));
  }
  example.codes = [...codes];
  if (example.args.some((a) => a.includes("…"))) {
    return { ...example, skip: "arguments left out (…)" };
  }
  for (const p of placeholders) {
    if (!FILLABLE.test(p)) {
      return { ...example, skip: `placeholder ${p} has no value the test can fill in` };
    }
  }
  const shared = example.args.find((a) => a.startsWith("../shared/"));
  if (shared && !existsSync(resolve(ROOT, shared))) {
    return { ...example, skip: `${shared} is not beside the clone (the public data sets)` };
  }
  return example;
}

const EXAMPLES: Example[] = RUN_DOCS.flatMap((file) =>
  splitFences(read(file))
    .fences.filter((f) => SHELL_LANGS.has(f.lang))
    .flatMap((fence) => commandsOf(fence).flatMap((c) => exampleOf(file, c, fence.before) ?? [])),
);

/**
 * The folder the examples run in: the repository's entries, linked, except `data/` (so
 * nothing a command writes by default lands in the repository), with `../shared` linked
 * beside it when the public data sets are there.
 */
const dir = mkdtempSync(join(tmpdir(), "reach-docs-"));
const WORK = join(dir, "main");
mkdirSync(WORK);
for (const entry of readdirSync(ROOT)) {
  if (entry === "data" || entry === ".git") continue;
  symlinkSync(join(ROOT, entry), join(WORK, entry));
}
if (existsSync(SHARED)) symlinkSync(SHARED, join(dir, "shared"));
const DB = join(dir, "reach.db");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function environment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("REACH_") && !k.startsWith("Microsoft")) env[k] = v;
  }
  return { ...env, REACH_DB: DB, ...extra };
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function reach(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: WORK, env: environment(env), timeout: COMMAND_TIMEOUT, maxBuffer: 256 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** A value for a placeholder, from the cases the examples before it made. */
async function fill(
  placeholder: string,
  previous: string | undefined,
): Promise<string | undefined> {
  if (!existsSync(DB)) return undefined;
  const listed = await reach(["cases", "list", "--json"]);
  if (listed.code !== 0) return undefined;
  const { cases } = JSON.parse(listed.stdout) as {
    cases: { caseId: string; studentId: string; status: string }[];
  };
  const live = cases.filter((c) => c.status !== "erased" && c.studentId !== "[erased]");
  const student = /student/i.test(placeholder) || previous === "--student";
  return student ? live[0]?.studentId : live[0]?.caseId;
}

describe("command examples, read", () => {
  it("as a shell would, knowing what the test cannot run", () => {
    const text = [
      "Text before.",
      "",
      "```sh",
      "npx reach run --policy a.yaml \\",
      "  --as-of 2027-01-29   # a comment",
      "npx reach cases show <case id>",
      "npx reach cases export --format csv > out.csv",
      "npx reach cases list | head -1",
      "npx reach run --policy <file>",
      "npx reach run --policy … --data …",
      "npx reach run --data bad   # exits 3: the import is partial",
      "npm test",
      "npx reach run --data ../shared/data/not-there",
      "```",
    ].join("\n");
    const [fence] = splitFences(text).fences;
    const examples = commandsOf(fence).map((c) => exampleOf("x.md", c, fence.before));
    expect(examples.map((e) => e?.command.line)).toEqual([4, 6, 7, 8, 9, 10, 11, undefined, 13]);
    const [run, show, exported, piped, placeholder, elided, partial, npm, absent] = examples;
    expect(run).toMatchObject({
      args: ["run", "--policy", "a.yaml", "--as-of", "2027-01-29"],
      codes: [0],
      command: { comment: "a comment" },
    });
    expect(run?.skip).toBeUndefined();
    expect(show?.args).toEqual(["cases", "show", "<case id>"]);
    expect(show?.skip).toBeUndefined();
    expect(exported).toMatchObject({ args: ["cases", "export", "--format", "csv"] });
    expect(exported?.stdoutTo).toBe("out.csv");
    expect(piped?.skip).toMatch(/operators/);
    expect(placeholder?.skip).toMatch(/placeholder <file>/);
    expect(elided?.skip).toMatch(/left out/);
    expect(partial?.codes).toEqual([0, 3]);
    expect(npm).toBeUndefined();
    expect(absent?.skip).toMatch(/not beside the clone/);
  });
});

const title = (e: Example) =>
  `${e.file}:${e.command.line} ${e.command.text}${e.skip ? ` — skipped: ${e.skip}` : ""}`;

describe("command examples of README.md and rules/README.md, run", () => {
  it("finds them", () => {
    const run = EXAMPLES.filter((e) => !e.skip);
    const skipped = EXAMPLES.filter((e) => e.skip);
    console.log(
      `docs: ${EXAMPLES.length} reach command examples, ${run.length} run, ${skipped.length} skipped${skipped.map((e) => `\n  ${title(e)}`).join("")}`,
    );
    expect(EXAMPLES.filter((e) => e.file === "README.md").length).toBeGreaterThan(5);
    expect(EXAMPLES.filter((e) => e.file === "rules/README.md").length).toBeGreaterThan(0);
  });

  for (const example of EXAMPLES) {
    it.skipIf(example.skip !== undefined)(
      title(example),
      async (context) => {
        const args: string[] = [];
        for (const [i, arg] of example.args.entries()) {
          if (!FILLABLE.test(arg)) {
            args.push(arg);
            continue;
          }
          const value = await fill(arg, example.args[i - 1]);
          if (value === undefined) {
            console.log(`docs: skipped ${title(example)}: no case in the store for ${arg}`);
            context.skip();
            return;
          }
          args.push(value);
        }
        const ran = await reach(args, example.env);
        const said = `exit ${ran.code}\nstderr: ${ran.stderr.slice(-2000)}\nstdout: ${ran.stdout.slice(-1000)}`;
        expect(example.codes, said).toContain(ran.code);
        if (args.includes("--json")) expect(() => JSON.parse(ran.stdout), said).not.toThrow();
        if (example.stdoutTo !== undefined) {
          writeFileSync(resolve(WORK, example.stdoutTo), ran.stdout);
          expect(ran.stdout.length, said).toBeGreaterThan(0);
        }
      },
      COMMAND_TIMEOUT + 10_000,
    );
  }
});

describe("policies shown in full in rules/README.md", () => {
  it("load without errors (the example with mistakes is checked by tests/rules)", async () => {
    const fences = splitFences(read("rules/README.md")).fences;
    const policies = fences.flatMap((fence, i) => {
      const text = fence.lines.join("\n");
      const whole = fence.lang === "yaml" && /^policy:/m.test(text) && /^rules:/m.test(text);
      // The one followed by the check's output is the example with three mistakes.
      return whole && fences[i + 1]?.lang !== "text" ? [{ text, line: fence.line }] : [];
    });
    expect(policies.length).toBeGreaterThan(0);
    const folder = join(dir, "policies");
    mkdirSync(folder);
    const paths = policies.map((p) => {
      const path = join(folder, `readme-line-${p.line}.yaml`);
      writeFileSync(path, `${p.text}\n`);
      return path;
    });
    const ran = await reach(["rules", "check", ...paths]);
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
  });
});

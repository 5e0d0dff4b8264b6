/**
 * The Microsoft 365 Agents Playground as a child process: a local Teams client with a
 * mock tenant (samples/teams-demo/playground.yml), headless (no browser opened),
 * telemetry off. It listens on all interfaces and may pick another port when its port is
 * taken, so the port is read from its output; everything talks to it on 127.0.0.1.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";

export interface Playground {
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything it printed (for a failure message). */
  output(): string;
  stop(): Promise<void>;
}

export interface PlaygroundOptions {
  /** The bot's messaging endpoint, e.g. http://127.0.0.1:3978/api/messages. */
  botEndpoint: string;
  /** The mock data YAML. */
  configPath: string;
  /** Where it writes its log folder (devTools/). */
  cwd: string;
  port?: number;
  timeoutMs?: number;
}

/** A free TCP port on 127.0.0.1 (free now; the caller uses it at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function playgroundCli(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@microsoft/m365agentsplayground/package.json")), "cli.js");
}

export async function startPlayground(options: PlaygroundOptions): Promise<Playground> {
  const port = options.port ?? (await freePort());
  const args = [
    playgroundCli(),
    "start",
    "--app-endpoint",
    options.botEndpoint,
    "--channel-id",
    "msteams",
    "--port",
    String(port),
    "--service-url",
    `http://127.0.0.1:${port}/_connector`,
    "--disable-telemetry",
  ];
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: {
      ...process.env,
      TEAMSAPPTESTER_BROWSER: "none",
      APPLICATION_INSIGHTS_NO_STATSBEAT: "true",
      M365_AGENTS_PLAYGROUND_CONFIG_PATH: options.configPath,
      M365_AGENTS_PLAYGROUND_LOGFILE: join(options.cwd, "playground.log"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 3000).unref();
    });
  const listening = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the Agents Playground did not start:\n${output}`)),
      options.timeoutMs ?? 30_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Listening on (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the Agents Playground exited (${code}):\n${output}`));
    });
  });
  // It says "Listening" before it reads its mock data, and exits if that is invalid.
  const ready = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`the Agents Playground stopped:\n${output}\n${await logTail(options.cwd)}`);
    }
    const ok = await fetch(`http://127.0.0.1:${listening}/_debug/ping`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > ready) {
      await stop();
      throw new Error(
        `the Agents Playground did not answer:\n${output}\n${await logTail(options.cwd)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (listening !== port) {
    await stop();
    throw new Error(
      `the Agents Playground took port ${listening} instead of ${port}; its service URL would be wrong — try again`,
    );
  }
  return { url: `http://127.0.0.1:${port}`, port, process: child, output: () => output, stop };
}

async function logTail(cwd: string): Promise<string> {
  const text = await readFile(join(cwd, "playground.log"), "utf8").catch(() => "");
  return text.split("\n").slice(-15).join("\n");
}

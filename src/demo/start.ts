/**
 * `npm start`: the demo (see demo.ts). Prints where the case cards are waiting and runs
 * until Ctrl+C.
 */
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { readDemoSettings } from "../app/index.ts";
import { createLogger } from "../log.ts";
import { DEMO, startDemo } from "./demo.ts";
import { freePort } from "./playground.ts";

/** `preferred` when it is free (so the printed URLs are the usual ones), else any free port. */
async function portOr(preferred: number): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(preferred, "0.0.0.0", () => probe.close(() => resolve(true)));
  });
  return free ? preferred : freePort();
}

const root = resolve(new URL("../..", import.meta.url).pathname);
const say = (line: string) => process.stdout.write(`${line}\n`);

try {
  const settings = readDemoSettings();
  const demo = await startDemo({
    workDir: join(root, "data/demo"),
    botPort: await portOr(settings.port),
    playgroundPort: await portOr(56150),
    log: createLogger(settings.logLevel),
    say,
  });
  say("");
  say(`Reach is running at ${demo.reach.url} (health: ${demo.reach.url}/health).`);
  say(`Open ${demo.playground.url}/ in a browser. Once the page has loaded, Reach joins the`);
  say(
    `"Northfield Student Support" team and posts the case cards into its "${DEMO.channelName}" channel.`,
  );
  say(
    `You are ${DEMO.users.adviser.name}, an adviser: confirm a case, log a contact, add a note. In Personal`,
  );
  say("Chat, try `my cases`. Press Ctrl+C to stop.");
  const stop = async () => {
    await demo.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
  await demo.ready.catch(async (error) => {
    await demo.close();
    throw error;
  });
  say(`Open the "${DEMO.channelName}" channel: the case cards are there.`);
} catch (error) {
  process.stderr.write(
    `The demo could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}

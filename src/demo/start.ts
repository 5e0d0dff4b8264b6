/**
 * `npm start`: the demo (see demo.ts). Prints where the case cards are waiting, and where
 * the student's own Teams is, and runs until Ctrl+C.
 */
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { readDemoSettings } from "../app/index.ts";
import { createLogger } from "../log.ts";
import { clockFrom } from "../schedule/index.ts";
import { DEMO, startDemo } from "./demo.ts";
import { freePort } from "./playground.ts";

/**
 * `preferred` when it is free (so the printed URLs are the usual ones), else any free port;
 * never one of `taken` (ports already handed out, not yet listened on).
 */
async function portOr(preferred: number, taken: number[] = []): Promise<number> {
  const free =
    !taken.includes(preferred) &&
    (await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once("error", () => resolve(false));
      probe.listen(preferred, "0.0.0.0", () => probe.close(() => resolve(true)));
    }));
  if (free) return preferred;
  for (;;) {
    const port = await freePort();
    if (!taken.includes(port)) return port;
  }
}

/** An instant in a time zone, e.g. "Mon 7 Dec 2026, 07:00 (Europe/London)". */
function localTime(iso: string, timeZone: string): string {
  const text = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(iso));
  return `${text} (${timeZone})`;
}

const root = resolve(new URL("../..", import.meta.url).pathname);
const say = (line: string) => process.stdout.write(`${line}\n`);

try {
  const settings = readDemoSettings();
  const botPort = await portOr(settings.port);
  const playgroundPort = await portOr(56150, [botPort]);
  const demo = await startDemo({
    workDir: join(root, "data/demo"),
    botPort,
    playgroundPort,
    studentPlaygroundPort: await portOr(56151, [botPort, playgroundPort]),
    log: createLogger(settings.logLevel),
    say,
    ...(settings.clockStart !== undefined && { clock: clockFrom(settings.clockStart) }),
  });
  const timezone = demo.reach.policies.find((p) => p.id === DEMO.policyId)?.timezone ?? "UTC";
  const london = (iso: string) => localTime(iso, timezone);
  say("");
  say(
    `Reach is running at ${demo.reach.url} (health: ${demo.reach.url}/health, its runs and schedule: ${demo.reach.url}/ready).`,
  );
  say(
    `Today is ${demo.today}: the demo runs the policy as of ${demo.run.asOf}, at its scheduled time ${london(demo.run.scheduledAt)}.`,
  );
  say(`Open ${demo.playground.url}/ in a browser. Once the page has loaded, Reach joins the`);
  say(
    `"Northfield Student Support" team and posts the case cards into its "${DEMO.channelName}" channel.`,
  );
  say(
    `You are ${DEMO.users.adviser.name}, an adviser: confirm a case, log a contact, add a note. In Personal`,
  );
  say("Chat, try `my cases`. Log two contact attempts without an answer on a case and Reach");
  say(
    `proposes an escalation for ${DEMO.users.lead.name}, the engagement lead, to decide. She also asks for this`,
  );
  say("week's digest and for the policy card, which land in the channel: the card's Change… forms");
  say(
    "are hers (your Preview is refused) and History lists each version with who changed it and why.",
  );
  const ben = DEMO.student.preferredName;
  say(
    `${ben}'s own Teams is at ${demo.studentPlayground.url}/ (${DEMO.student.name}, a Northfield student, signed in).`,
  );
  say(
    `Open it too: when it has loaded, Reach can message ${ben}. Confirm ${ben}'s case, choose "Propose message"`,
  );
  say(
    `and "Send to ${ben}", and the message appears on ${ben}'s page; at night or at a weekend it waits for the`,
  );
  say(
    "next allowed time, as for a real student (REACH_NOW=2026-12-04T12:00:00Z npm start: a school day's",
  );
  say("noon instead of now). Press Ctrl+C to stop.");
  const stop = async () => {
    await demo.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
  demo.studentReady.then(
    () => say(`${ben}'s page has loaded: Reach can now message ${ben} in Teams.`),
    () => {},
  );
  await demo.ready.catch(async (error) => {
    await demo.close();
    throw error;
  });
  say(`Open the "${DEMO.channelName}" channel: the case cards are there.`);
  const next = demo.reach.scheduler?.status().find((p) => p.policyId === DEMO.policyId)?.nextRunAt;
  say(
    next === undefined
      ? "The scheduler is on; no run of the policy is due within a week."
      : `The scheduler is on: the policy's next run is at ${london(next)}.`,
  );
  say(`Each policy's last run and next run time: ${demo.reach.url}/ready`);
} catch (error) {
  process.stderr.write(
    `The demo could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}

// The advisers of the card-action benchmark, on their own thread so that their work does
// not share the bot's event loop. Plain JavaScript: worker threads start without tsx.
// Each adviser works through their queue of cases, Confirm → Log contact → Add note, each
// click carrying the version the previous answer's card showed.
import { Agent, request } from "node:http";
import { parentPort, workerData } from "node:worker_threads";

const { url, base, policyId, advisers, queues, perCase, limit } = workerData;
const steps = ["confirm", "log_contact", "add_note"].slice(0, perCase);
let sent = 0;
// Plain node:http with one kept-alive connection per adviser: the client's own CPU shares
// the machine's two cores with the bot, and fetch cost it several times as much CPU.
const agent = new Agent({ keepAlive: true, maxSockets: advisers.length });
const target = new URL(`${url}/api/messages`);

function post(body) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode, text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function invoke(adviser, verb, data) {
  const body = {
    ...base,
    type: "invoke",
    name: "adaptiveCard/action",
    id: `invoke-${sent}`,
    replyToId: "activity-1",
    from: { id: `user-${adviser.id}`, aadObjectId: adviser.aadObjectId, name: adviser.name },
    value: { action: { type: "Action.Execute", verb, data } },
  };
  const t = performance.now();
  const { status, text } = await post(JSON.stringify(body));
  const ms = performance.now() - t;
  const refused = /Sorry|out of date|didn't go through|can't be done/.test(text);
  const version = Number(/"version":(\d+)/.exec(text)?.[1] ?? Number.NaN);
  return { ms, status, refused, version };
}

async function run(queue, adviser, record, max) {
  for (const item of queue) {
    let version = item.version;
    for (const verb of steps) {
      if (sent >= max) return;
      sent++;
      const data = { caseId: item.caseId, policyId, version };
      if (verb === "log_contact") Object.assign(data, { channel: "phone", outcome: "no_answer" });
      if (verb === "add_note")
        Object.assign(data, { text: "Called home; will try again.", visibility: "team" });
      const r = await invoke(adviser, verb, data);
      record(r);
      if (Number.isFinite(r.version)) version = r.version;
    }
  }
}

const warm = [];
const measured = [];
const outcomes = {};
const note = (r) => {
  const key = `${r.status}${r.refused ? " refused" : ""}`;
  outcomes[key] = (outcomes[key] ?? 0) + 1;
};
// Warm-up: each adviser's first case, all at once.
await Promise.all(
  advisers.map((a, i) =>
    run(
      queues[i].slice(0, 1),
      a,
      (r) => {
        warm.push(r.ms);
        note(r);
      },
      Number.POSITIVE_INFINITY,
    ),
  ),
);
const t0 = performance.now();
sent = 0;
await Promise.all(
  advisers.map((a, i) =>
    run(
      queues[i].slice(1),
      a,
      (r) => {
        measured.push(r.ms);
        note(r);
      },
      limit,
    ),
  ),
);
parentPort.postMessage({ warm, measured, outcomes, elapsedMs: performance.now() - t0 });

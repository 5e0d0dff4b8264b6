// The benchmark's Bot Connector (Teams' side of the delivery worker's posts), on its own
// thread like the advisers: it answers every send at once with a new activity id and
// counts them, and its work does not share the bot's event loop. Plain JavaScript: worker
// threads start without tsx.
import { createServer } from "node:http";
import { parentPort } from "node:worker_threads";

let sends = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    sends++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ id: `activity-${sends}` }));
  });
});
server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
parentPort.on("message", (message) => {
  if (message === "count") parentPort.postMessage({ sends });
  if (message === "close") server.close(() => parentPort.close());
});

// A worker thread starts without the TypeScript loader the main thread has: register it,
// then load the worker itself.
import { register } from "tsx/esm/api";

register();
await import("./event-worker.ts");

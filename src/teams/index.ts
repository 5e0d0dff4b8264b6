/** The teams module's public surface. */
export { type ReachRuntime, startReach } from "./runtime.ts";

/**
 * Structured JSON logs (pino). Reach never logs personal data: log lines carry ids (case,
 * policy, outbox entry, conversation), counts and reasons — never names, notes, evidence
 * or card payloads. Callers pass objects built for the log, never records from the store.
 */
import { type Logger, pino } from "pino";

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { app: "reach" }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** A logger that drops everything (tests that assert on behaviour, not on logs). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

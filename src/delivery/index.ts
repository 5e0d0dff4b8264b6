/** Delivery to Teams: the ports, the worker and its parts (docs/delivery.md). */
export { type BackoffOptions, DEFAULT_BACKOFF, fullJitter } from "./backoff.ts";
export { type Clock, realClock, VirtualClock } from "./clock.ts";
export {
  type Connector,
  ConnectorError,
  type Delivery,
  type OutgoingActivity,
  type Planner,
  type Settled,
} from "./delivery.ts";
export { classifyFailure, type Failure, RETRYABLE_STATUSES } from "./failures.ts";
export { type DeliveryHealth, deliveryHealth } from "./health.ts";
export { type Logger, MemoryLogger, silentLogger } from "./logger.ts";
export {
  minimumSendTimes,
  type RateLimits,
  type RateWindow,
  SendLog,
  TEAMS_LIMITS,
} from "./rate-limits.ts";
export {
  type DeliveryStats,
  DeliveryWorker,
  type DeliveryWorkerOptions,
  type DrainOptions,
} from "./worker.ts";

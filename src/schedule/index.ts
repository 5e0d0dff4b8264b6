/** The scheduler: when each policy runs (a front end, like the bot and the command line). */
export { CronTimes, localDate } from "./cron-times.ts";
export { clockFrom, ManualClock } from "./manual-clock.ts";
export {
  type PolicySchedule,
  type PolicyTimes,
  type ScheduledRun,
  Scheduler,
  type SchedulerOptions,
  type SchedulerPort,
} from "./scheduler.ts";

/**
 * `npm run serve`: the bot alone, configured from the environment, as it runs when
 * deployed (Azure App Service). A bad variable stops it with a message naming it.
 */

import { ConfigError, readConfig } from "../app/index.ts";
import { createLogger } from "../log.ts";
import { startReach } from "./runtime.ts";

async function main(): Promise<void> {
  let config: ReturnType<typeof readConfig>;
  try {
    config = readConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  try {
    const reach = await startReach(config, { log });
    const stop = async (signal: string) => {
      log.info({ signal }, "stopping");
      await reach.close();
      process.exit(0);
    };
    process.once("SIGTERM", () => void stop("SIGTERM"));
    process.once("SIGINT", () => void stop("SIGINT"));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    log.fatal({ error: String(error) }, "Reach could not start");
    process.exit(1);
  }
}

await main();

/**
 * A backtest as the command line starts it: like a dry run, it reads data and policy and
 * touches no case store, so there is nothing to decide or audit (src/run/backtest.ts).
 */
export {
  BacktestImpossible,
  BacktestRefused,
  type BacktestResult,
  backtest,
  OutcomesFileInvalid,
  parseAtPoints,
  type Score,
} from "../run/index.ts";

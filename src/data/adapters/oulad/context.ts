import type { DatasetBuilder } from "../../dataset.ts";
import type { Outcome } from "../adapter.ts";
import type { CsvSource } from "../headed-csv.ts";

/** What every OULAD file reader shares during one import. */
export interface Context extends CsvSource {
  builder: DatasetBuilder;
  /** Unregistration day per student index (absent for students still registered). */
  unregisteredOn: number[];
  /** Each registration's final_result with its date (outcomes, kept apart from the data set). */
  outcomes: Outcome[];
}

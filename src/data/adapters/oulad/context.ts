import type { DatasetBuilder } from "../../dataset.ts";
import type { CsvSource } from "../headed-csv.ts";

/** What every OULAD file reader shares during one import. */
export interface Context extends CsvSource {
  builder: DatasetBuilder;
  /** Unregistration day per student index (absent for students still registered). */
  unregisteredOn: number[];
}

/**
 * One measured DuckDB run in its own process, so its peak memory is its own.
 *
 *   node --import tsx bench/engine/duckdb-child.ts --data DIR --as-of YYYY-MM-DD [--ids-out FILE]
 */
import { parseArgs } from "node:util";
import { reportResult, writeIds } from "./child.ts";
import { computeWithDuckDb } from "./duckdb.ts";

const { values } = parseArgs({
  options: {
    data: { type: "string" },
    "as-of": { type: "string" },
    "ids-out": { type: "string" },
  },
});
if (values.data === undefined || values["as-of"] === undefined) {
  console.error("usage: duckdb-child.ts --data DIR --as-of YYYY-MM-DD [--ids-out FILE]");
  process.exit(2);
}

const idsOut = values["ids-out"];
const result = await computeWithDuckDb(values.data, values["as-of"], {
  withIds: idsOut !== undefined,
});
if (result.ids) writeIds(idsOut, result.ids);
reportResult({
  engine: "duckdb",
  elapsedMs: result.elapsedMs,
  lowAttendance: result.lowAttendance,
  noActivity7: result.noActivity7,
  students: result.students,
});

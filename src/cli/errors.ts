/**
 * One error style for every `reach` command: an expected failure (a bad setting, a missing
 * or unusable database, a file that cannot be read, a full disk) is one line naming the
 * thing and what to do; anything else is a bug in Reach, printed as one line with a hint,
 * and with its stack only when `REACH_DEBUG=1`.
 */
import { ConfigError, readStoreSettings } from "../app/index.ts";

interface CodedError {
  code?: unknown;
  path?: unknown;
  syscall?: unknown;
  message?: unknown;
}

/** The error code `openStore` gives a missing database file when it may not create one. */
const NO_DATABASE = "REACH_NO_DATABASE";

/** How the operator named the SQLite file (`--db`, `REACH_DB` or the default), absolute. */
export function storeLabel(
  db: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { label: string; path?: string } {
  let settings: ReturnType<typeof readStoreSettings>;
  try {
    settings = readStoreSettings(db, env);
  } catch {
    return { label: "the case store" };
  }
  if (settings.kind === "cosmos") return { label: `the Cosmos DB store at ${settings.endpoint}` };
  const { path } = settings;
  if (db !== undefined) return { label: `--db ${path}`, path };
  if (env.REACH_DB?.trim()) return { label: `REACH_DB ${path}`, path };
  return { label: `the database ${path}`, path };
}

/**
 * The one line (without the command's prefix) for an expected failure, or undefined when
 * the error is not one we expect (a bug). `db` is the command's `--db`, if any.
 */
export function expectedProblem(
  error: unknown,
  db?: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (error instanceof ConfigError) return error.problems.join("; ");
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as CodedError;
  const code = typeof e.code === "string" ? e.code : undefined;
  const path = typeof e.path === "string" ? e.path : undefined;
  if (code === undefined) return undefined;
  const store = () => storeLabel(db, env);
  if (code === NO_DATABASE) {
    return `no Reach database at ${path ?? store().path} (run \`reach run\` first, or check REACH_DB / --db)`;
  }
  if (code.startsWith("SQLITE_")) return sqliteProblem(code, store().label, String(e.message));
  if (path !== undefined && path === store().path) {
    const { label } = store();
    if (code === "EISDIR")
      return `${label} is a directory, not a database file (give the file's path)`;
    if (code === "ENOTDIR") return `${label}: a part of the path is a file, not a folder`;
  }
  if (typeof e.syscall === "string") return fileProblem(code, path, String(e.message));
  return undefined;
}

function sqliteProblem(code: string, label: string, message: string): string {
  if (code === "SQLITE_NOTADB") {
    return `${label} is not a SQLite database (give the path of Reach's database file)`;
  }
  if (code.startsWith("SQLITE_READONLY")) {
    return `${label} is read-only (${code}): Reach must be able to write the file and its folder (check their permissions)`;
  }
  if (code === "SQLITE_FULL" || code === "SQLITE_IOERR_WRITE" || code === "SQLITE_IOERR_FSYNC") {
    return `${label} could not be written: the disk is full or failing (${code}); free space and try again`;
  }
  if (code.startsWith("SQLITE_IOERR")) {
    return `${label} could not be read or written (${code}); check the disk`;
  }
  if (code.startsWith("SQLITE_CANTOPEN")) {
    return `${label} cannot be opened (${code}): check that its folder exists and can be written`;
  }
  if (code.startsWith("SQLITE_CORRUPT")) {
    return `${label} is damaged (${code}): restore it from a backup`;
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return `${label} is locked by another process (${code}); try again when it has finished`;
  }
  if (code.startsWith("SQLITE_PERM") || code.startsWith("SQLITE_AUTH")) {
    return `${label}: permission denied (${code})`;
  }
  return `${label}: ${message.split("\n")[0]} (${code})`;
}

const FILE_PROBLEMS: Record<string, string> = {
  EISDIR: "is a directory, not a file",
  ENOENT: "does not exist",
  ENOTDIR: "has a part that is a file, not a folder",
  EACCES: "cannot be read or written: permission denied",
  EPERM: "cannot be read or written: permission denied",
  ENOSPC: "could not be written: the disk is full",
  EROFS: "is on a read-only file system",
  EMFILE: "could not be opened: too many open files",
};

function fileProblem(code: string, path: string | undefined, message: string): string {
  if (path === undefined) return `a file could not be read or written: ${message.split("\n")[0]}`;
  return `${path} ${FILE_PROBLEMS[code] ?? `could not be used (${code})`}`;
}

/** Lines for an unexpected error: one, or with the stack when REACH_DEBUG=1. */
export function bugLines(error: unknown, env: NodeJS.ProcessEnv = process.env): string[] {
  const message =
    error instanceof Error ? error.message.split("\n")[0] : String(error).split("\n")[0];
  const debug = env.REACH_DEBUG === "1" || env.REACH_DEBUG === "true";
  return [
    `reach: ${message}`,
    debug && error instanceof Error && error.stack
      ? error.stack
      : "(this is a bug in Reach; run with REACH_DEBUG=1 for details)",
  ];
}

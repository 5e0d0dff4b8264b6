/**
 * Exit codes of every `reach` command: the one place they are defined. `reach help` prints
 * EXIT_CODES, so the help says what the commands do.
 */
export const EXIT_OK = 0;
/**
 * An error: bad arguments (and `reach` with no command), an invalid policy, no data folder,
 * no database, no such case. Nothing was done — except by `reach erase`, which says on
 * stderr which cases it could not erase.
 */
export const EXIT_ERROR = 1;
/** Done (a dry or a real run), but the import was partial: some rows or files were rejected. */
export const EXIT_PARTIAL_IMPORT = 3;

/** Every exit code a `reach` command ends with, and what it means, for the help. */
export const EXIT_CODES: readonly { code: number; meaning: string }[] = [
  {
    code: EXIT_OK,
    meaning: "done (also `reach help` and any command's --help)",
  },
  {
    code: EXIT_ERROR,
    meaning:
      "error, nothing done: bad arguments (also `reach` with no command, which prints the usage " +
      "on stderr), an invalid policy or one that does not fit the data, a missing data folder " +
      "or database, no such case, or a bug in Reach; `reach erase` names on stderr each case " +
      "it could not erase",
  },
  {
    code: EXIT_PARTIAL_IMPORT,
    meaning:
      "done, but the import was partial: some rows or files were rejected, the rows written " +
      "to the quarantine file (`reach run`, dry or real)",
  },
];

/** What a command stopped from outside ends with: not one of Reach's codes. */
export const EXIT_SIGNAL_NOTE =
  "A command stopped by a signal ends as the shell shows it (130 for Ctrl+C); a real run\n" +
  "stopped so is taken up and finished by the next run of the same policy and date.";

/** The exit codes as help lines, wrapped to `width` columns. */
export function exitCodeLines(width = 88): string[] {
  const indent = "      ";
  const lines: string[] = [];
  for (const { code, meaning } of EXIT_CODES) {
    let line = `  ${String(code).padEnd(4)}`;
    let empty = true;
    for (const word of meaning.split(" ")) {
      if (!empty && line.length + 1 + word.length > width) {
        lines.push(line);
        line = indent;
        empty = true;
      }
      line += empty ? word : ` ${word}`;
      empty = false;
    }
    lines.push(line);
  }
  return lines;
}

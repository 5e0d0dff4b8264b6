/** Exit codes of every `reach` command. */
export const EXIT_OK = 0;
/** Nothing was done: bad arguments, an invalid policy, no data folder, no such case. */
export const EXIT_ERROR = 1;
/** Done, but the import was partial: some rows or files were rejected. */
export const EXIT_PARTIAL_IMPORT = 3;

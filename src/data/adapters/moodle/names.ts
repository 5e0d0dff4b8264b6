/** File names and constants of the Moodle adapter. */

/** The log export; `mdl_logstore_standard_log.csv` (the table's name with its prefix) is read too. */
export const LOG_FILE = "logstore_standard_log.csv";
export const PREFIXED_LOG_FILE = "mdl_logstore_standard_log.csv";
/** Optional export of Moodle's `user` table: names, addresses, the guest account. */
export const USER_FILE = "user.csv";
export const SETTINGS_FILE = "moodle.json";
/** The activity source of every Moodle event. */
export const MOODLE_SOURCE = "moodle";
/** Moodle's own defaults: the guest account is user 1, the site administrator user 2. */
export const DEFAULT_GUEST_IDS = [1] as const;
export const DEFAULT_ADMIN_IDS = [2] as const;
/** `edulevel`: Moodle's \core\event\base LEVEL_OTHER, LEVEL_TEACHING, LEVEL_PARTICIPATING. */
export const LEVEL_OTHER = 0;
export const LEVEL_TEACHING = 1;
export const LEVEL_PARTICIPATING = 2;

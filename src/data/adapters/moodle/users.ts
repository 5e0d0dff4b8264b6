import { existsSync } from "node:fs";
import { join } from "node:path";
import { csvLine } from "../../csv.ts";
import { type CsvSource, readHeadedCsv } from "../headed-csv.ts";
import { USER_FILE } from "./names.ts";

/** What Reach takes from a Moodle user: a name to show and an address to match on. */
export interface MoodleUser {
  displayName: string | undefined;
  email: string | undefined;
  guest: boolean;
}

/**
 * user.csv (optional; an export of Moodle's `user` table with a header row): the name and
 * address of each user id. `username` `guest` marks the guest account whatever its id.
 * Other columns (password hashes, addresses, phone numbers…) are never read.
 */
export async function readMoodleUsers(source: CsvSource): Promise<Map<string, MoodleUser>> {
  const users = new Map<string, MoodleUser>();
  if (!existsSync(join(source.dir, USER_FILE))) return users;
  const tally = await readHeadedCsv(
    source,
    USER_FILE,
    "user",
    {
      required: ["id"] as const,
      optional: ["username", "email", "firstname", "lastname"] as const,
    },
    (f, line, c, tally) => {
      const id = (f[c.id] as string).trim();
      const cell = (i: number) => (i >= 0 ? (f[i] as string).trim() : "");
      // Only id and the columns read are echoed: user rows hold more than Reach may keep.
      const raw = () => csvLine([id, cell(c.username), cell(c.email)]);
      if (!/^\d{1,18}$/.test(id)) {
        return tally.reject(line, "invalid_value", "id must be a whole number", "id", raw());
      }
      if (users.has(id)) {
        return tally.reject(line, "duplicate", `user ${id} is listed twice`, "id", raw());
      }
      const name = `${cell(c.firstname)} ${cell(c.lastname)}`.trim();
      const email = cell(c.email);
      users.set(id, {
        displayName: name || undefined,
        email: email.includes("@") ? email : undefined,
        guest: cell(c.username).toLowerCase() === "guest",
      });
      tally.accept();
    },
  );
  tally?.note("only id, username, email, firstname and lastname are read");
  return users;
}

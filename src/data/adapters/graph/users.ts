/** The Microsoft 365 users seen in a Graph export, and their activity, before students are made. */

export interface GraphUser {
  /** The address as first seen (its case kept), when there is one. */
  email: string | undefined;
  aadObjectId: string | undefined;
  displayName: string | undefined;
}

export interface GraphEvent {
  user: string;
  day: number;
  kind: string;
  count: number;
}

/** The key a user is known by: the address in lower case, else the AAD object id. */
export function userKey(email: string, aadObjectId: string): string | undefined {
  if (email.includes("@")) return email.toLowerCase();
  if (aadObjectId !== "") return aadObjectId.toLowerCase();
  return undefined;
}

export class GraphUsers {
  readonly users = new Map<string, GraphUser>();
  private readonly counts = new Map<string, GraphEvent>();

  /** Records what a row says of the user `key`, filling in what earlier rows left out. */
  see(key: string, email: string, aadObjectId: string, displayName: string): void {
    const known = this.users.get(key);
    const address = email.includes("@") ? email : undefined;
    if (!known) {
      this.users.set(key, {
        email: address,
        aadObjectId: aadObjectId || undefined,
        displayName: displayName || undefined,
      });
      return;
    }
    known.email ??= address;
    if (!known.aadObjectId && aadObjectId) known.aadObjectId = aadObjectId;
    if (!known.displayName && displayName) known.displayName = displayName;
  }

  /** Adds `count` to the user's day and kind (summed with what is there). */
  add(user: string, day: number, kind: string, count: number): void {
    if (count <= 0) return;
    const key = `${user}\u0000${day}\u0000${kind}`;
    const known = this.counts.get(key);
    if (known) known.count += count;
    else this.counts.set(key, { user, day, kind, count });
  }

  /** Each user's count per day and kind. */
  events(): Iterable<GraphEvent> {
    return this.counts.values();
  }
}

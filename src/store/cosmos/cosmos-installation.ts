/**
 * The installation's secret in Cosmos DB: one document, `installation-secret`, in the
 * `cases` container under the reserved partition `~installation` (like `~teams`, never a
 * policy id: policy ids are lower-case letters, digits and dashes), so no container is
 * added. Made on first use by a create; a 409 means another process made it first, and
 * the one stored is the secret for both.
 */
import { randomBytes } from "node:crypto";
import type { Container } from "@azure/cosmos";
import { StoreError } from "../store-error.ts";
import { createDoc, readDoc } from "./cosmos-common.ts";

export const INSTALLATION_PARTITION = "~installation";
const SECRET_ID = "installation-secret";

interface SecretDoc {
  id: typeof SECRET_ID;
  docType: "installation-secret";
  policyId: typeof INSTALLATION_PARTITION;
  secret: string;
}

export async function installationSecret(container: Container): Promise<string> {
  const stored = await readDoc<SecretDoc>(container, SECRET_ID, INSTALLATION_PARTITION);
  if (stored !== undefined) return checked(stored.secret);
  const doc: SecretDoc = {
    id: SECRET_ID,
    docType: "installation-secret",
    policyId: INSTALLATION_PARTITION,
    secret: randomBytes(32).toString("hex"),
  };
  if (await createDoc(container, doc)) return doc.secret;
  const kept = await readDoc<SecretDoc>(container, SECRET_ID, INSTALLATION_PARTITION);
  return checked(kept?.secret);
}

/** A secret changed behind Reach's back would re-key every new case id: refuse it. */
function checked(secret: unknown): string {
  if (typeof secret === "string" && /^[0-9a-f]{64}$/.test(secret)) return secret;
  throw new StoreError("corrupt_record", "the installation secret is not 64 hex digits");
}

/** What /health reports about delivery: the outbox's counts by status. */
import type { Store } from "../store/index.ts";

export interface DeliveryHealth {
  /** Waiting to be sent (or being sent). */
  pending: number;
  sent: number;
  /** Given up on: each has its reason in `lastError`, and was logged when it died. */
  dead: number;
}

export async function deliveryHealth(store: Store, policyId?: string): Promise<DeliveryHealth> {
  const counts = await store.countOutbox(policyId);
  return { pending: counts.pending, sent: counts.sent, dead: counts.dead };
}

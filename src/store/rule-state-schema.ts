/**
 * The evaluator's `RuleState` as read back from a store: validated, because a bad record
 * would otherwise surface as a wrong `for: N runs` count much later.
 */
import { z } from "zod/v4";
import type { RuleState } from "../rules/index.ts";

const day = z.number().int();

export const RuleStateSchema = z.object({
  policyId: z.string().min(1),
  holding: z.array(
    z.object({
      studentId: z.string().min(1),
      ruleId: z.string().min(1),
      runs: z.number().int().nonnegative(),
      runsBefore: z.number().int().nonnegative(),
      since: day,
      lastDay: day,
    }),
  ),
  cooldowns: z.array(
    z.object({ studentId: z.string().min(1), ruleId: z.string().min(1).optional(), until: day }),
  ),
  snoozes: z.array(z.object({ studentId: z.string().min(1), until: day })),
});

export function parseRuleState(
  input: unknown,
): { ok: true; state: RuleState } | { ok: false; message: string } {
  const parsed = RuleStateSchema.safeParse(input);
  if (parsed.success) return { ok: true, state: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, message: `${issue.path.join(".")}: ${issue.message}` };
}

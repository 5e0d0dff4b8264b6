import { importCanonical } from "/work/main/src/data/adapters/canonical.ts";
import { evaluate } from "/work/main/src/rules/evaluate.ts";
import { loadPolicyFile } from "/work/main/src/rules/loader.ts";
import { emptyRuleState } from "/work/main/src/rules/rule-state.ts";
import { parseIsoDate } from "/work/main/src/data/dates.ts";
const r = await importCanonical("/work/main/bench/engine/.data/100000x90-s1");
const p = await loadPolicyFile("/work/main/bench/engine/policy.yaml");
if (!p.ok) throw new Error();
(globalThis as any).gc?.();
for (let k = 0; k < 3; k++) {
  const t = performance.now();
  const e = evaluate({ dataset: r.dataset, policy: p.policy, asOf: parseIsoDate("2027-01-29")!, previous: emptyRuleState("bench") });
  console.log("evaluate", Math.round(performance.now() - t), e.findings.length);
}

import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PolicyCatalogue, rejectedChangeText } from "../../src/app/policy-catalogue.ts";

let dir: string;
let file: string;
let text: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "reach-catalogue-"));
  file = join(dir, "demo.yaml");
  await copyFile("samples/demo-policy.yaml", file);
  text = await readFile(file, "utf8");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const threshold = (c: PolicyCatalogue) => {
  const rule = c.get("demo")?.rules.find((r) => r.id === "chronic-absence");
  const all = rule?.when.kind === "all" ? rule.when.of[0] : undefined;
  return all?.kind === "metric" ? all.threshold : undefined;
};

describe("PolicyCatalogue: rule changes without a restart", () => {
  it("a valid change takes effect at the next refresh", async () => {
    const catalogue = await PolicyCatalogue.open(dir);
    expect(threshold(catalogue)).toBe(0.9);
    expect(await catalogue.refresh()).toEqual({ changed: [], removed: [], rejected: [] });
    await writeFile(file, text.replace("below: 0.90", "below: 0.85"));
    expect(await catalogue.refresh()).toEqual({ changed: ["demo"], removed: [], rejected: [] });
    expect(threshold(catalogue)).toBe(0.85);
  });

  it("a change that fails validation keeps the previous version, reported once per change", async () => {
    const catalogue = await PolicyCatalogue.open(dir);
    const broken = text.replace("below: 0.90", "below: ninety");
    await writeFile(file, broken);
    const first = await catalogue.refresh();
    expect(first.changed).toEqual([]);
    expect(first.rejected).toHaveLength(1);
    expect(first.rejected[0]).toMatchObject({ file, policyId: "demo" });
    const line = broken.split("\n").findIndex((l) => l.includes("ninety")) + 1;
    expect(first.rejected[0].problems.map((p) => p.line)).toEqual([line]);
    expect(threshold(catalogue)).toBe(0.9);
    const message = rejectedChangeText(first.rejected[0]);
    expect(message).toContain(`${file}:${line}:`);
    expect(message).toContain("previous version of policy demo keeps running");

    // Saved again unchanged: not a new change.
    await writeFile(file, broken);
    expect((await catalogue.refresh()).rejected).toEqual([]);
    // Broken differently: a new report.
    await writeFile(file, text.replace("severity: high", "severity: urgent"));
    expect((await catalogue.refresh()).rejected).toHaveLength(1);
    // Fixed: taken.
    await writeFile(file, text.replace("below: 0.90", "below: 0.80"));
    expect(await catalogue.refresh()).toEqual({ changed: ["demo"], removed: [], rejected: [] });
    expect(threshold(catalogue)).toBe(0.8);
  });

  it("a new file adds its policy, a removed file takes it away, a duplicate id is refused", async () => {
    const catalogue = await PolicyCatalogue.open(dir);
    await writeFile(join(dir, "second.yaml"), text.replace("id: demo", "id: second"));
    expect((await catalogue.refresh()).changed).toEqual(["second"]);
    expect(
      catalogue
        .policies()
        .map((p) => p.id)
        .sort(),
    ).toEqual(["demo", "second"]);

    await writeFile(join(dir, "third.yaml"), text);
    const dup = await catalogue.refresh();
    expect(dup.rejected).toHaveLength(1);
    expect(dup.rejected[0].policyId).toBeUndefined();
    expect(dup.rejected[0].problems[0].message).toBe(`policy id "demo" is already used by ${file}`);

    await rm(join(dir, "second.yaml"));
    expect((await catalogue.refresh()).removed).toEqual(["second"]);
    expect(catalogue.policies().map((p) => p.id)).toEqual(["demo"]);
  });

  it("at start, a broken file stops Reach with every problem", async () => {
    await writeFile(file, text.replace("below: 0.90", "below: ninety"));
    await expect(PolicyCatalogue.open(dir)).rejects.toThrow(/demo\.yaml:\d+:\d+/);
  });
});

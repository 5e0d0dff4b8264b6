/**
 * Looks at every name in a policy file for special-category data before the sections are
 * read: every key anywhere, and every value inside a rule's `when:`. The readers stop at
 * the first thing wrong in a condition and at 16 levels of nesting; this walk does not,
 * so no mistake nearby and no depth can hide a refused name. It is iterative (a stack,
 * not recursion) and visits each mapping or list once, however often aliases repeat it.
 */
import { isMap, isScalar, isSeq, type Node, type Scalar, type YAMLMap } from "yaml";
import { visible } from "./special-category.ts";
import type { YamlReader } from "./yaml-reader.ts";

type Zone = "root" | "rules" | "rule" | "condition" | "other";

interface Frame {
  /** As written: an alias stays an alias, so a refusal points at the place of use. */
  node: Node | null;
  path: string;
  owner: string;
  zone: Zone;
  /** The key this value belongs to, when it is a name even if written as a number. */
  key?: string;
}

/** Values that are names however they are written: `source: 504` is a name, not a count. */
const NAME_KEYS: ReadonlySet<string> = new Set(["metric", "field", "source", "kind", "cohort_by"]);

/** `rules[0].when.all[1].source`; a key that is not a plain word is quoted and made visible. */
function childPath(path: string, key: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}["${visible(key).replaceAll('"', '\\"')}"]`;
}

function keyZone(zone: Zone, key: string): Zone {
  if (zone === "root") return key === "rules" ? "rules" : "other";
  if (zone === "rule") return key === "when" ? "condition" : "other";
  return zone === "condition" ? "condition" : "other";
}

/** How messages name a rule: by its id when it has one, as the readers do. */
function ruleOwner(r: YamlReader, item: Node | null, index: number): string {
  const rule = r.target(item);
  const id = rule !== null && isMap(rule) ? rule.get("id") : undefined;
  return typeof id === "string" ? `rule "${id}"` : `rule ${index + 1}`;
}

/** Reports every special-category name in the document through `r.refuseSpecial`. */
export function refuseSpecialCategoryNames(r: YamlReader, root: Node): void {
  const seen = new Map<Zone, Set<Node>>();
  const stack: Frame[] = [{ node: root, path: "", owner: "policy", zone: "root" }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const { path, owner, zone } = frame;
    const node = r.target(frame.node);
    if (node === null) continue;
    if (isScalar(node)) {
      if (zone === "condition") checkValue(r, frame, node);
      continue;
    }
    const visited = seen.get(zone) ?? new Set<Node>();
    seen.set(zone, visited);
    if (visited.has(node)) continue;
    visited.add(node);
    if (isMap(node)) {
      for (const pair of (node as YAMLMap<unknown, unknown>).items) {
        const keyNode = pair.key as Node | null;
        const value = (pair.value ?? null) as Node | null;
        if (!keyNode || !isScalar(keyNode) || keyNode.value === null) {
          // A key that is itself a mapping or list: the reader refuses it; look inside.
          if (keyNode) stack.push({ node: keyNode, path, owner, zone });
          stack.push({ node: value, path, owner, zone: keyZone(zone, "") });
          continue;
        }
        const key = String(keyNode.source ?? keyNode.value);
        const at = childPath(path, key);
        r.refuseSpecial(keyNode, key, owner, at);
        stack.push({ node: value, path: at, owner, zone: keyZone(zone, key), key });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        const itemNode = item as Node | null;
        const at = `${path}[${index}]`;
        if (zone === "rules") {
          stack.push({
            node: itemNode,
            path: at,
            owner: ruleOwner(r, itemNode, index),
            zone: "rule",
          });
        } else {
          const child: Frame = { node: itemNode, path: at, owner, zone };
          if (frame.key !== undefined) child.key = frame.key;
          stack.push(child);
        }
      });
    }
  }
}

function checkValue(r: YamlReader, frame: Frame, node: Scalar): void {
  if (typeof node.value === "string") {
    r.refuseSpecial(frame.node, node.value, frame.owner, frame.path);
  } else if (node.value !== null && frame.key !== undefined && NAME_KEYS.has(frame.key)) {
    r.refuseSpecial(frame.node, String(node.source ?? node.value), frame.owner, frame.path);
  }
}

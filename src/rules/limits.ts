/**
 * Limits on what a policy file may be, so that a huge or hostile file is refused with one
 * clear problem instead of exhausting the stack, memory or time of `reach rules check` or
 * of the bot loading them. A real policy is a few kilobytes, a few dozen rules and
 * conditions a few levels deep; each limit is far beyond that.
 */
import { type CST, Parser } from "yaml";

/** The largest policy file, in bytes (1 MiB). Checked before the file is read. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** The most rules in one policy file. */
export const MAX_RULES = 500;
/** The deepest a condition may nest (`all`, `any`, `not` inside one another). */
export const MAX_CONDITION_DEPTH = 16;
/**
 * The deepest the YAML itself may nest (mappings and lists inside one another), checked
 * before the document is built: the YAML library builds documents recursively. A policy
 * with conditions nested to the limit needs about 40 levels.
 */
export const MAX_YAML_DEPTH = 64;
/**
 * Nodes the readers may visit beyond those written in the file: aliases (`*a`) repeat a
 * part of the file, and repeated aliases of aliases could otherwise expand exponentially.
 */
export const ALIAS_NODE_ALLOWANCE = 20_000;

export const sizeHint = (): string =>
  `a policy file may be at most ${MAX_FILE_BYTES / 1024 / 1024} MiB (${MAX_FILE_BYTES} bytes); a real policy is a few KB — split it into several policy files`;

export interface YamlShape {
  /** Where the YAML first nests deeper than `MAX_YAML_DEPTH`, as an offset in the text. */
  tooDeepAt?: number;
  /** How many nodes (scalars, mappings, lists) the text holds. */
  nodes: number;
}

/**
 * Measures the nesting depth and the number of nodes of YAML text from the library's
 * concrete syntax tree, which it builds without recursion; this walk uses a stack too, so
 * any depth of `[[[[…` is measured safely.
 */
export function measureYaml(text: string): YamlShape {
  let nodes = 0;
  const stack: { token: CST.Token; depth: number }[] = [];
  for (const token of new Parser().parse(text)) {
    stack.push({ token, depth: 0 });
    for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
      const { token: t, depth } = top;
      if (depth > MAX_YAML_DEPTH) return { tooDeepAt: t.offset, nodes };
      switch (t.type) {
        case "document":
          if (t.value) stack.push({ token: t.value, depth });
          break;
        case "block-map":
        case "block-seq":
        case "flow-collection":
          nodes++;
          for (const item of t.items) {
            if (item.key) stack.push({ token: item.key, depth: depth + 1 });
            if (item.value) stack.push({ token: item.value, depth: depth + 1 });
          }
          break;
        case "alias":
        case "scalar":
        case "single-quoted-scalar":
        case "double-quoted-scalar":
        case "block-scalar":
          nodes++;
          break;
        default:
          break;
      }
    }
  }
  return { nodes };
}

/**
 * A policy file's diff on a card, one line per `RichTextBlock`: a `TextRun` is shown as it
 * is (no markdown), so a line that starts with `-`, `+` or `#` stays a line of the diff
 * rather than becoming a list item or a heading. Added lines are green, removed ones red.
 */

export interface DiffLine {
  text: string;
  color: "good" | "attention" | "accent" | "default";
}

/** The diff's lines, at most `maxLines` of them (the rest counted in a last line). */
export function diffLines(diff: string, maxLines = 60): DiffLine[] {
  if (diff === "") return [];
  const lines = diff.replace(/\n$/u, "").split("\n");
  const shown = lines.slice(0, maxLines).map((line): DiffLine => {
    // An empty run is not drawn: a space keeps the line's height.
    const text = line === "" ? " " : line.length > 300 ? `${line.slice(0, 299)}…` : line;
    if (line.startsWith("+++") || line.startsWith("---")) return { text, color: "default" };
    if (line.startsWith("@@")) return { text, color: "accent" };
    if (line.startsWith("+")) return { text, color: "good" };
    if (line.startsWith("-")) return { text, color: "attention" };
    return { text, color: "default" };
  });
  const more = lines.length - shown.length;
  if (more > 0) {
    shown.push({ text: `… ${more} more ${more === 1 ? "line" : "lines"}`, color: "default" });
  }
  return shown;
}

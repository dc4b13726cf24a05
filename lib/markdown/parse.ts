/**
 * A small Markdown reader for the README's API section, served at /docs/api: headings,
 * paragraphs, fenced code, lists, tables, and inline code, bold, emphasis and links. Not a
 * general Markdown parser: enough for our own file, and it yields data, so the page renders
 * every character as text (no HTML passes through).
 */

export type Inline =
  | { kind: "text"; text: string }
  | { kind: "code"; text: string }
  | { kind: "strong"; text: string }
  | { kind: "em"; text: string }
  | { kind: "link"; text: string; href: string };

export type Block =
  | { kind: "heading"; level: number; text: string }
  | { kind: "paragraph"; inlines: Inline[] }
  | { kind: "code"; lang: string; text: string }
  | { kind: "list"; items: Inline[][] }
  | { kind: "table"; header: Inline[][]; rows: Inline[][][] };

/** The part of `markdown` between `<!-- name:start -->` and `<!-- name:end -->`, or null. */
export function markedSection(markdown: string, name: string): string | null {
  const start = markdown.indexOf(`<!-- ${name}:start`);
  const end = markdown.indexOf(`<!-- ${name}:end`);
  if (start < 0 || end < start) return null;
  const afterStart = markdown.indexOf("-->", start);
  return markdown.slice(afterStart + 3, end);
}

export function parseMarkdown(markdown: string): Block[] {
  const lines = markdown.replace(/<!--[\s\S]*?-->/g, "").split("\n");
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    const fence = /^(\s*)```(\w*)/.exec(line);
    if (fence) {
      const indent = fence[1]?.length ?? 0;
      const body: string[] = [];
      i++;
      while (i < lines.length && !/^\s*```/.test(lines[i] ?? "")) {
        body.push((lines[i] ?? "").slice(indent));
        i++;
      }
      i++;
      blocks.push({ kind: "code", lang: fence[2] ?? "", text: body.join("\n") });
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      blocks.push({ kind: "heading", level: heading[1]?.length ?? 1, text: heading[2] ?? "" });
      i++;
      continue;
    }
    if (line.startsWith("|")) {
      const rows: string[] = [];
      while (i < lines.length && (lines[i] ?? "").startsWith("|")) rows.push(lines[i++] ?? "");
      const cells = rows.map((row) =>
        row
          .replace(/^\|/, "")
          .replace(/\|\s*$/, "")
          .split("|")
          .map((cell) => parseInline(cell.trim())),
      );
      blocks.push({ kind: "table", header: cells[0] ?? [], rows: cells.slice(2) });
      continue;
    }
    if (/^\s*- /.test(line)) {
      const items: string[] = [];
      while (i < lines.length) {
        const current = lines[i] ?? "";
        if (/^\s*- /.test(current)) items.push(current.replace(/^\s*- /, ""));
        else if (/^\s{2,}\S/.test(current) && !/^\s*```/.test(current) && items.length > 0)
          items[items.length - 1] += ` ${current.trim()}`;
        else break;
        i++;
      }
      blocks.push({ kind: "list", items: items.map(parseInline) });
      continue;
    }
    if (line.trim() === "") {
      i++;
      continue;
    }
    const text: string[] = [];
    while (i < lines.length) {
      const current = lines[i] ?? "";
      if (current.trim() === "" || /^(#|\||\s*```|\s*- )/.test(current)) break;
      text.push(current.trim());
      i++;
    }
    blocks.push({ kind: "paragraph", inlines: parseInline(text.join(" ")) });
  }
  return blocks;
}

const INLINE = /`([^`]+)`|\*\*([^*]+)\*\*|\b_([^_]+)_\b|\[([^\]]+)\]\(([^)\s]+)\)/g;

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const at = match.index ?? 0;
    if (at > last) out.push({ kind: "text", text: text.slice(last, at) });
    if (match[1] !== undefined) out.push({ kind: "code", text: match[1] });
    else if (match[2] !== undefined) out.push({ kind: "strong", text: match[2] });
    else if (match[3] !== undefined) out.push({ kind: "em", text: match[3] });
    else out.push({ kind: "link", text: match[4] ?? "", href: match[5] ?? "" });
    last = at + match[0].length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

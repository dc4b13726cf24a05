import type { Block, Inline } from "@/lib/markdown/parse";

/**
 * Blocks from lib/markdown/parse.ts as elements: every string is a text node, so nothing in the
 * file can become markup. Links go only to http(s) pages and anchors; others stay text.
 */
export function Markdown({ blocks }: { blocks: Block[] }) {
  return (
    <div className="flex flex-col gap-3 leading-relaxed">
      {blocks.map((block, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a static document, never reordered
        <BlockView key={index} block={block} />
      ))}
    </div>
  );
}

function BlockView({ block }: { block: Block }) {
  switch (block.kind) {
    case "heading": {
      const Tag = block.level <= 2 ? "h2" : "h3";
      return (
        <Tag className={block.level <= 2 ? "mt-4 text-xl font-semibold" : "mt-2 font-semibold"}>
          {block.text}
        </Tag>
      );
    }
    case "paragraph":
      return (
        <p>
          <Inlines inlines={block.inlines} />
        </p>
      );
    case "code":
      return (
        <pre
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable block must be reachable by keyboard
          tabIndex={0}
          className="overflow-x-auto rounded border border-ink-muted/20 bg-surface p-3 font-mono text-xs"
        >
          {block.text}
        </pre>
      );
    case "list":
      return (
        <ul className="list-disc pl-6">
          {block.items.map((item, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a static document, never reordered
            <li key={index}>
              <Inlines inlines={item} />
            </li>
          ))}
        </ul>
      );
    case "table":
      return (
        <table className="w-fit border-collapse text-left text-sm">
          <thead className="border-b border-ink-muted/30">
            <tr>
              {block.header.map((cell, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a static document, never reordered
                <th key={index} scope="col" className="py-1 pr-4">
                  <Inlines inlines={cell} />
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {block.rows.map((row, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a static document, never reordered
              <tr key={index} className="border-b border-ink-muted/10">
                {row.map((cell, cellIndex) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a static document, never reordered
                  <td key={cellIndex} className="py-1 pr-4">
                    <Inlines inlines={cell} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      );
  }
}

function Inlines({ inlines }: { inlines: Inline[] }) {
  // biome-ignore lint/suspicious/noArrayIndexKey: a static document, never reordered
  return inlines.map((inline, index) => <InlineView key={index} inline={inline} />);
}

function InlineView({ inline }: { inline: Inline }) {
  switch (inline.kind) {
    case "text":
      return inline.text;
    case "code":
      return <code className="rounded bg-ink/5 px-1 font-mono text-[0.9em]">{inline.text}</code>;
    case "strong":
      return <strong>{inline.text}</strong>;
    case "em":
      return <em>{inline.text}</em>;
    case "link":
      return /^(https?:\/\/|#)/.test(inline.href) ? (
        <a href={inline.href} className="text-accent underline">
          {inline.text}
        </a>
      ) : (
        inline.text
      );
  }
}

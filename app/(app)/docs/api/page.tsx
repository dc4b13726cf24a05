import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Metadata } from "next";
import { Markdown } from "@/components/docs/markdown";
import { markedSection, parseMarkdown } from "@/lib/markdown/parse";
import { requirePagePrincipal } from "@/server/auth/page";

export const metadata: Metadata = { title: "API · Task Manager" };

/**
 * The README's API section (between its `api-docs` markers), read from the checkout the server
 * runs from, so it is available offline and never differs from the file. Signed-in only, as
 * every page: checked here too, since an RSC request can fetch the page without its layout.
 */
export default async function ApiDocsPage() {
  await requirePagePrincipal();
  const readme = await readFile(path.join(process.cwd(), "README.md"), "utf8").catch(() => null);
  const section = readme === null ? null : markedSection(readme, "api-docs");
  return (
    <article className="flex max-w-4xl flex-col gap-2" aria-labelledby="api-docs-heading">
      <h1 id="api-docs-heading" className="text-2xl font-semibold">
        API
      </h1>
      {section === null ? (
        <p>
          The API section of <code>README.md</code> could not be read here: see the file in the
          repository.
        </p>
      ) : (
        <Markdown blocks={parseMarkdown(section)} />
      )}
    </article>
  );
}

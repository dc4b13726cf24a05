"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { ApprovalsCount } from "@/components/approvals/approvals-count";

/** The signed-in pages, in the order the header lists them. */
export const NAV_ITEMS = [
  { href: "/overview", label: "Overview" },
  { href: "/", label: "Board" },
  { href: "/workflows", label: "Workflows" },
  { href: "/schedules", label: "Schedules" },
  { href: "/resources", label: "Resources" },
  { href: "/approvals", label: "Approvals" },
  { href: "/alerts", label: "Alerts" },
  { href: "/agents", label: "Agents" },
] as const;

function isCurrent(pathname: string, href: string): boolean {
  if (href === "/") return pathname === "/" || pathname.startsWith("/tasks/");
  // The run page (and the graph, reached from it) belong to the runs.
  if (href === "/workflows" && pathname === "/graph") return true;
  return pathname === href || pathname.startsWith(`${href}/`);
}

export function NavLinks() {
  const pathname = usePathname();
  return (
    <nav aria-label="Main">
      <ul className="flex flex-wrap items-center gap-1 text-sm">
        {NAV_ITEMS.map(({ href, label }) => {
          const current = isCurrent(pathname, href);
          return (
            <li key={href}>
              <Link
                href={href}
                aria-current={current ? "page" : undefined}
                className={`rounded px-2 py-1 hover:bg-ink/5 ${
                  current ? "bg-accent/10 font-semibold text-accent" : "text-ink"
                }`}
              >
                {label}
                {href === "/approvals" && <ApprovalsCount />}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

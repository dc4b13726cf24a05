import type { InfiniteData } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

type Outputs = inferRouterOutputs<AppRouter>;

/** A `workflows.list` row as the browser receives it (plain JSON: times are ISO strings). */
export type RunSummary = Outputs["workflows"]["list"]["items"][number];
export type RunPage = Outputs["workflows"]["list"];
/** The runs list's infinite query data. */
export type RunsData = InfiniteData<RunPage, string | null | undefined>;

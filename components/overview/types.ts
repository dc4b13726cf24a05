import type { RouterOutputs } from "@/sdk/client";

export type OverviewResult = RouterOutputs["metrics"]["overview"];

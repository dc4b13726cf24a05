"use client";

import { createContext, useContext } from "react";

/** What a node can ask of the graph around it (nodes are rendered by xyflow, not by us). */
export interface GraphActions {
  /** Shows a collapsed group's tasks again. */
  expandGroup: (groupId: string) => void;
}

export const GraphActionsContext = createContext<GraphActions>({ expandGroup: () => {} });

export const useGraphActions = () => useContext(GraphActionsContext);

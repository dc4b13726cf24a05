"use client";

import { createContext, useContext } from "react";

/** What a node can ask of the graph around it (nodes are rendered by xyflow, not by us). */
export interface GraphActions {
  /** Shows a collapsed group's tasks again; absent in a read-only graph. */
  expandGroup?: (groupId: string) => void;
  /** Read-only graphs (a wall screen) draw nodes without links. */
  linkTasks: boolean;
}

export const GraphActionsContext = createContext<GraphActions>({ linkTasks: true });

export const useGraphActions = () => useContext(GraphActionsContext);

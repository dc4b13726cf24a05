import { type LayoutInput, type LayoutResult, layoutGraph } from "./layout";

export interface LayoutRequest {
  id: number;
  input: LayoutInput;
}

export interface LayoutResponse {
  id: number;
  result?: LayoutResult;
  error?: string;
}

// The worker's global scope, typed by what this file uses (the project compiles with the DOM lib).
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<LayoutRequest>) => void) | null;
  postMessage(message: LayoutResponse): void;
};

scope.onmessage = (event) => {
  const { id, input } = event.data;
  try {
    scope.postMessage({ id, result: layoutGraph(input) });
  } catch (error) {
    scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};

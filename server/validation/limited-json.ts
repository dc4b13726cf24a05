import { getConfig } from "@/server/config";
import { type JsonIssue, type JsonLimits, jsonObject, jsonProblem, jsonValue } from "./json";

// Read at each parse, so the limits are those of the running configuration.
const limits = () => getConfig().taskManager.limits;
const depth = { maxDepth: () => limits().jsonDepth, depthKey: "task_manager.limits.json_depth" };

const payloadLimits: JsonLimits = {
  ...depth,
  maxBytes: () => limits().payloadBytes,
  bytesKey: "task_manager.limits.payload_bytes",
};
const resultLimits: JsonLimits = {
  ...depth,
  maxBytes: () => limits().resultBytes,
  bytesKey: "task_manager.limits.result_bytes",
};
const metadataLimits: JsonLimits = {
  ...depth,
  maxBytes: () => limits().metadataBytes,
  bytesKey: "task_manager.limits.metadata_bytes",
};

/** A task's payload. */
export const payloadJson = () => jsonValue(payloadLimits);
/** A task's result, or the error it failed with. */
export const resultJson = () => jsonValue(resultLimits);
/** resultJson's check as a function: the first reason `value` is not one, or null. */
export const resultProblem = (value: unknown): JsonIssue | null => jsonProblem(value, resultLimits);
/** Free-form metadata of a workflow or an agent. */
export const metadataJson = () => jsonObject(metadataLimits);

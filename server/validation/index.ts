/**
 * Input building blocks for zod schemas at the API boundary: each refuses, with a message
 * naming the field, what PostgreSQL would otherwise refuse with a 500 (or silently change).
 */
export {
  isPlainObject,
  type JsonIssue,
  type JsonLimits,
  type JsonObject,
  type JsonValue,
  jsonObject,
  jsonProblem,
  jsonValue,
} from "./json";
export { metadataJson, payloadJson, resultJson, resultProblem } from "./limited-json";
export { INT4_MAX, INT4_MIN, int4, MAX_RESOURCE_AMOUNT, resourceAmount } from "./numbers";
export { boundedRecord } from "./record";
export { pgText, textProblem } from "./text";
export { pgTimestamp } from "./timestamp";

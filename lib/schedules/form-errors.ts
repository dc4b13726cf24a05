import { errorMessage, formErrorsOf } from "@/lib/trpc/errors";

export interface FieldErrors {
  fields: Record<string, string[]>;
  form: string[];
}

interface Issue {
  path: (string | number)[];
  message: string;
}

/** The issues of a validation error: tRPC sends zod's, JSON-encoded, as the message. */
function issuesOf(error: unknown): Issue[] | null {
  if (!(error instanceof Error)) return null;
  try {
    const parsed: unknown = JSON.parse(error.message);
    if (!Array.isArray(parsed)) return null;
    const issues = parsed.filter(
      (issue): issue is Issue =>
        typeof issue === "object" &&
        issue !== null &&
        Array.isArray(issue.path) &&
        typeof issue.message === "string",
    );
    return issues.length > 0 ? issues : null;
  } catch {
    return null;
  }
}

/** `["workflow", "tasks", 0, "name"]` without its field: `tasks[0].name`. */
function subPath(path: (string | number)[]): string {
  return path
    .slice(1)
    .map((part, index) => (typeof part === "number" ? `[${part}]` : index > 0 ? `.${part}` : part))
    .join("");
}

/**
 * A failed save, by form field. The spec fields (`task`, `workflow`) are shown under the one
 * spec field, with the path inside it (`priority: expected an integer`): the flattened zod
 * error keeps only the top-level field. A domain error naming a field (`cron: …`, from an
 * update, or `workflow.tasks[0] …`) goes to it too.
 */
export function scheduleFormErrors(error: unknown, fields: readonly string[]): FieldErrors {
  const fieldOf = (name: string | number | undefined) => {
    const key = name === "task" || name === "workflow" ? "spec" : String(name);
    return fields.includes(key) ? key : null;
  };
  const issues = issuesOf(error);
  if (issues) {
    const result: FieldErrors = { fields: {}, form: [] };
    for (const issue of issues) {
      const field = fieldOf(issue.path[0]);
      const inner = subPath(issue.path);
      if (field) {
        const message = inner ? `${inner}: ${issue.message}` : issue.message;
        result.fields[field] = [...(result.fields[field] ?? []), message];
      } else {
        const where = issue.path.join(".");
        result.form.push(where ? `${where}: ${issue.message}` : issue.message);
      }
    }
    return result;
  }
  const message = errorMessage(error);
  const named = /^([A-Za-z]+)([.[][^:]*)?: ([\s\S]*)$/.exec(message);
  const field = named ? fieldOf(named[1]) : null;
  if (named && field) {
    const inner = named[2]?.replace(/^\./, "") ?? "";
    return { fields: { [field]: [inner ? `${inner}: ${named[3]}` : (named[3] ?? "")] }, form: [] };
  }
  if (/^(task|workflow)\b/.test(message) && fields.includes("spec")) {
    return { fields: { spec: [message] }, form: [] };
  }
  return formErrorsOf(error, fields);
}

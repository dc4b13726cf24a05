import type { TaskManagerTrpc } from "@/sdk";

/** What the demo's tasks require: task-manager.yaml's committed pools and agent resources. */
const DEMO_RESOURCES = [
  { name: "gpu", scope: "pool", capacity: 4, description: "GPU cluster nodes" },
  { name: "llm_api", scope: "pool", capacity: 20, description: "Concurrent LLM API requests" },
  { name: "cpu", scope: "agent" },
  { name: "memory_gb", scope: "agent" },
  { name: "slots", scope: "agent" },
] as const;

/**
 * Creates whichever of the demo's resources the server lacks (a server started with another
 * configuration file): tasks requiring an unknown resource would be refused at submission.
 * Existing resources are left as they are. Returns the names created.
 */
export async function ensureDemoResources(admin: TaskManagerTrpc): Promise<string[]> {
  const existing = new Set((await admin.resources.list.query()).map((resource) => resource.name));
  const missing = DEMO_RESOURCES.filter((resource) => !existing.has(resource.name));
  for (const resource of missing) await admin.resources.upsert.mutate(resource);
  return missing.map((resource) => resource.name);
}

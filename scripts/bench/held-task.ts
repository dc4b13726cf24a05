import { createTaskManagerClient } from "@/sdk";
import type { BenchEnvironment } from "./setup";

/**
 * One task claimed by an agent of its own, which heartbeats until stop(): for the figures that
 * write a task's log (tasks.log is no heartbeat: without one the agent goes offline after 30 s,
 * its lease with it).
 */
export async function holdTask(env: BenchEnvironment, name: string) {
  const capability = `bench-held-${Math.random().toString(36).slice(2, 8)}`;
  const admin = createTaskManagerClient({ url: env.server.url, token: env.server.adminToken });
  const agent = await admin.trpc.agents.register.mutate({
    name: `bench agent for ${name}`,
    capabilities: [capability],
    capacity: {},
  });
  const { task } = await admin.trpc.tasks.submit.mutate({
    name,
    capabilities: [capability],
    leaseS: 3_600,
    // Ahead of what earlier figures left queued: tasks without capabilities any agent may take.
    priority: 1_000_000,
  });
  const { tasks } = await admin.trpc.agents.claim.mutate({ agentId: agent.id, waitMs: 10_000 });
  const claimed = tasks[0];
  if (claimed?.id !== task.id) throw new Error(`the agent for "${name}" did not claim its task`);
  const heartbeat = setInterval(() => {
    admin.trpc.agents.heartbeat.mutate({ agentId: agent.id }).catch(() => {});
  }, 5_000);
  return {
    lease: { agentId: agent.id, taskId: task.id, leaseEpoch: claimed.leaseEpoch },
    stop: () => clearInterval(heartbeat),
  };
}

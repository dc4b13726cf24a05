import { getConfig } from "@/server/config";

/** The task board lives here once the engine exists; for now, the instance at a glance. */
export default function HomePage() {
  const config = getConfig();
  return (
    <section className="flex flex-col gap-2">
      <h1 className="text-2xl font-semibold">Task board</h1>
      <p className="text-ink-muted">
        Instance <code>{config.taskManager.id}</code>. No tasks yet: the engine arrives with the
        next release.
      </p>
    </section>
  );
}

import Link from "next/link";

const TASK = /^task:([0-9a-f-]{36})$/;
const AGENT = /^agent:([0-9a-f-]{36})(?::(.+))?$/;

/** What an alert is about, linked to its task or agent where the subject names one. */
export function AlertSubject({ subject }: { subject: string }) {
  const task = TASK.exec(subject);
  if (task) {
    return (
      <Link href={`/tasks/${task[1]}`} className="text-accent underline">
        task {task[1]?.slice(0, 8)}
      </Link>
    );
  }
  const agent = AGENT.exec(subject);
  if (agent) {
    return (
      <Link href="/agents" className="text-accent underline" title={subject}>
        agent {agent[1]?.slice(0, 8)}
        {agent[2] ? ` · ${agent[2]}` : ""}
      </Link>
    );
  }
  return <code>{subject}</code>;
}

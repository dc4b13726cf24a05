import Link from "next/link";

export default function TaskNotFound() {
  return (
    <section className="flex flex-col gap-2">
      <h1 className="text-2xl font-semibold">Task not found</h1>
      <p>No task has this id: it may have been mistyped, or removed with its workflow.</p>
      <Link href="/" className="text-accent underline">
        Back to the board
      </Link>
    </section>
  );
}

import type { Metadata } from "next";
import { Suspense } from "react";
import { Board } from "@/components/board/board";

export const metadata: Metadata = { title: "Task board · Task Manager" };

/** The task board. Client-rendered: its filters are the URL's search params. */
export default function BoardPage() {
  return (
    <Suspense fallback={<h1 className="text-2xl font-semibold">Task board</h1>}>
      <Board />
    </Suspense>
  );
}

"""A small research pipeline on the task manager, orchestrator and agents in one script.

    npm start                                                   # prints an admin token
    python3 examples/python/pipeline.py --token tm_admin_…      # or TM_TOKEN=…

It starts a Python agent (AgentWorker) with three handlers, submits the workflow

    research ──▶ summarise ×3 ──▶ approve ──▶ publish

and prints each step as the event stream reports it, until the run ends. `approve` is a gate
(`wait_for: {"signal": "approval"}`): no agent runs it; it waits on the Approvals page
(/approvals) until someone approves or rejects it. The script prints how to approve it from
another terminal:

    python3 examples/python/pipeline.py --token tm_admin_… --approve-task <task id>

or, with --approve, approves it itself once the summaries are in. Run it twice and the same
agent (same name) picks up where it left off. Options: --url (TM_URL), --topic.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

try:
    from task_manager_client import AgentWorker, NonRetryableError, TaskManagerClient
except ImportError:  # not pip-installed: use the checkout's copy
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "clients", "python"))
    from task_manager_client import AgentWorker, NonRetryableError, TaskManagerClient

SECTIONS = ["history", "methods", "open questions"]


def research(task, ctx):
    """A plain function: runs in a thread of its own, reports progress as it goes."""
    topic = task["payload"]["topic"]
    sources = []
    for n in range(1, 4):
        if ctx.wait_cancelled(0.2):  # stand-in for a download; wakes at once if cancelled
            return None
        sources.append(f"https://example.org/{topic.replace(' ', '-')}/{n}")
        ctx.log.info("downloaded a source", url=sources[-1])  # the task page shows it live
        ctx.progress(n / 3, "download sources", f"{n} of 3")
    return {"topic": topic, "sources": sources}


async def summarise(task, ctx):
    """An async handler: runs on the worker's event loop (a lost lease cancels it)."""
    section = task["payload"]["section"]
    await ctx.progress(0.5, f"summarise {section}")
    await asyncio.sleep(0.2)  # stand-in for an LLM call
    return {"section": section, "summary": f"{section}: three findings, one open question."}


def publish(task, ctx):
    title = task["payload"]["title"]
    if not title.strip():
        raise NonRetryableError("nothing to publish without a title")  # fails for good
    return {"url": f"https://reports.example.org/{title.lower().replace(' ', '-')}"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("TM_URL", "http://127.0.0.1:3000"))
    parser.add_argument("--token", default=os.environ.get("TM_TOKEN"), help="an admin token (or TM_TOKEN)")
    parser.add_argument("--topic", default="mycelium networks")
    parser.add_argument("--approve", action="store_true", help="approve the run's approval step itself")
    parser.add_argument("--approve-task", metavar="TASK_ID", help="approve that waiting task, then exit")
    args = parser.parse_args()
    if not args.token:
        parser.error("--token (or TM_TOKEN) is required: the admin token npm start printed")
    if args.approve_task:
        with TaskManagerClient(args.url, args.token) as client:
            print(client.approve(args.approve_task, comment="approved from the command line")["state"])
        return 0
    # One admin token plays both parts here; give each its own token (roles orchestrator and
    # agent) in a real deployment.
    orchestrator = TaskManagerClient(args.url, os.environ.get("TM_ORCHESTRATOR_TOKEN", args.token))
    worker = AgentWorker(
        args.url,
        os.environ.get("TM_AGENT_TOKEN", args.token),
        "python-example-agent",
        capabilities=["python-example"],
        concurrency=4,
        handlers={"research": research, "summarise": summarise, "publish": publish},
    )
    worker.start()
    try:
        spec = {"capabilities": ["python-example"]}
        tasks = [{"key": "research", "name": f"Research {args.topic}", "type": "research",
                  "payload": {"topic": args.topic}, **spec}]
        for section in SECTIONS:
            tasks.append({"key": f"summarise-{section}", "name": f"Summarise {section}",
                          "type": "summarise", "payload": {"section": section},
                          "depends_on": ["research"], **spec})
        # A gate, not work: no agent claims it; it waits (up to a day) for the approval signal.
        tasks.append({"key": "approve", "name": f"Approve the report on {args.topic}",
                      "depends_on": [f"summarise-{section}" for section in SECTIONS],
                      "wait_for": {"signal": "approval", "timeout_s": 86400}})
        tasks.append({"key": "publish", "name": "Publish the report", "type": "publish",
                      "payload": {"title": f"Report on {args.topic}"}, "depends_on": ["approve"], **spec})
        # Where the log stands before submitting: the stream then misses none of the run's events.
        head = orchestrator.list_events(limit=1)["nextAfterId"]
        submitted = orchestrator.submit_workflow(f"research report: {args.topic}", tasks)
        run_id = submitted["workflow"]["id"]
        names = {task["id"]: task["key"] for task in submitted["tasks"]}
        gate_id = next(task["id"] for task in submitted["tasks"] if task["key"] == "approve")
        print(f"submitted run {run_id} ({len(tasks)} tasks)")

        started = time.monotonic()
        with orchestrator.events(workflow_id=run_id, kinds=["task."], last_event_id=str(head)) as stream:
            for event in stream:
                if event["toState"]:
                    print(f"  {time.monotonic() - started:5.1f}s  {names.get(event['taskId'], '?'):<24} "
                          f"{event['fromState'] or '-'} → {event['toState']}")
                if event["taskId"] == gate_id and event["toState"] == "waiting":
                    if args.approve:
                        orchestrator.approve(gate_id, comment="approved by --approve")
                        print("  approved (--approve)")
                    else:
                        print(f"  waiting for approval: approve it on {args.url}/approvals, or run\n"
                              f"    python3 {sys.argv[0]} --url {args.url} --token … --approve-task {gate_id}")
                if orchestrator.get_workflow_run(run_id)["state"] in ("succeeded", "failed", "cancelled"):
                    break
        run = orchestrator.wait_for_workflow(run_id, timeout_s=60)
        approval = orchestrator.get_task(gate_id)
        print(f"approval: {approval['result'] or approval['error']}")
        published = orchestrator.get_task(submitted["tasks"][-1]["id"])
        print(f"run {run['state']}: {published['result']}")
        return 0 if run["state"] == "succeeded" else 1
    finally:
        worker.stop(grace_s=10)  # unfinished tasks go back to the queue


if __name__ == "__main__":
    sys.exit(main())

"""The orchestrator's client for asyncio code (the seed's ``async def schedule_task``)."""

from __future__ import annotations

import asyncio
import functools
from typing import Any, AsyncIterator, Callable, Dict, Optional

from .client import TaskManagerClient
from .events import EventStream

__all__ = ["AsyncTaskManagerClient", "AsyncEventStream"]


class AsyncEventStream:
    """:class:`EventStream` as an async iterator: ``async for event in stream``."""

    def __init__(self, stream: EventStream) -> None:
        self.stream = stream

    def __aiter__(self) -> AsyncIterator[Dict[str, Any]]:
        return self

    async def __anext__(self) -> Dict[str, Any]:
        event = await self.get(None)
        if event is None:
            raise StopAsyncIteration
        return event

    async def get(self, timeout: Optional[float]) -> Optional[Dict[str, Any]]:
        """The next event; None after ``timeout`` seconds or once closed."""
        return await asyncio.get_running_loop().run_in_executor(None, self.stream.get, timeout)

    @property
    def last_event_id(self) -> Optional[str]:
        return self.stream.last_event_id

    def close(self) -> None:
        self.stream.close()

    async def __aenter__(self) -> "AsyncEventStream":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()


class AsyncTaskManagerClient:
    """Every method of :class:`TaskManagerClient` as a coroutine: ``await client.submit_task(...)``,
    ``await client.process_request({...})``. Each call runs the blocking client in the loop's
    default executor, so the event loop never waits on the network. ``client.events(...)``
    returns an :class:`AsyncEventStream`; ``client.sync`` is the underlying blocking client.
    """

    def __init__(self, url: str, token: str, **options: Any) -> None:
        self.sync = TaskManagerClient(url, token, **options)

    def events(self, **filters: Any) -> AsyncEventStream:
        """As :meth:`TaskManagerClient.events`, iterated with ``async for``."""
        return AsyncEventStream(self.sync.events(**filters))

    def follow_log(self, task_id: str, after_seq: Optional[int] = None, **options: Any) -> AsyncEventStream:
        """As :meth:`TaskManagerClient.follow_log`, iterated with ``async for``."""
        return AsyncEventStream(self.sync.follow_log(task_id, after_seq, **options))

    def close(self) -> None:
        self.sync.close()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.sync, name)
        if not callable(method) or name.startswith("_"):
            return method

        @functools.wraps(method)
        async def call(*args: Any, **kwargs: Any) -> Any:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(None, functools.partial(method, *args, **kwargs))

        return call

"""Python client of the task manager: :class:`TaskManagerClient` for orchestrators,
:class:`AgentWorker` for agents, over the service's tRPC-over-HTTP API. Standard library only.

>>> from task_manager_client import TaskManagerClient
>>> client = TaskManagerClient("http://127.0.0.1:3000", token)
>>> run = client.submit_workflow("weekly report", [{"key": "fetch", "name": "Fetch"}])
"""

from ._transport import __version__
from .agent import AgentClient
from .aio import AsyncEventStream, AsyncTaskManagerClient
from .client import TERMINAL_RUN_STATES, TERMINAL_STATES, TaskManagerClient
from .context import AsyncTaskContext, TaskContext, TaskLogger
from .errors import (
    ERROR_CLASSES,
    BadGatewayError,
    BadRequestError,
    ClientClosedRequestError,
    ConflictError,
    ForbiddenError,
    GatewayTimeoutError,
    InternalServerError,
    LeaseLostError,
    MethodNotSupportedError,
    NonRetryableError,
    NotFoundError,
    NotImplementedServerError,
    ParseError,
    PayloadTooLargeError,
    PaymentRequiredError,
    PreconditionFailedError,
    PreconditionRequiredError,
    RequestTimeoutError,
    ServerUnreachableError,
    TaskManagerError,
    TooManyRequestsError,
    UnauthorizedError,
    UnavailableError,
    UnprocessableContentError,
    UnsupportedMediaTypeError,
)
from .events import EventStream
from .worker import AgentWorker, WorkerEvent, WorkerShuttingDown

__all__ = [
    "__version__",
    "AgentClient",
    "AgentWorker",
    "AsyncEventStream",
    "AsyncTaskManagerClient",
    "AsyncTaskContext",
    "EventStream",
    "TaskContext",
    "TaskLogger",
    "TaskManagerClient",
    "TERMINAL_STATES",
    "TERMINAL_RUN_STATES",
    "WorkerEvent",
    "WorkerShuttingDown",
    "ERROR_CLASSES",
    "TaskManagerError",
    "ServerUnreachableError",
    "ParseError",
    "BadRequestError",
    "UnauthorizedError",
    "PaymentRequiredError",
    "ForbiddenError",
    "NotFoundError",
    "MethodNotSupportedError",
    "RequestTimeoutError",
    "ConflictError",
    "PreconditionFailedError",
    "PayloadTooLargeError",
    "UnsupportedMediaTypeError",
    "UnprocessableContentError",
    "PreconditionRequiredError",
    "TooManyRequestsError",
    "ClientClosedRequestError",
    "InternalServerError",
    "NotImplementedServerError",
    "BadGatewayError",
    "UnavailableError",
    "GatewayTimeoutError",
    "NonRetryableError",
    "LeaseLostError",
]

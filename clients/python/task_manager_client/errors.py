"""Exceptions: one class per tRPC error code, each carrying the server's message.

Every answer the server refuses becomes a :class:`TaskManagerError` subclass chosen by the
answer's ``error.data.code`` (``CONFLICT`` → :class:`ConflictError`, ...), so callers write
``except ConflictError:`` rather than compare status numbers. :class:`BadRequestError` also
carries the validation messages per field. :class:`ServerUnreachableError` means no answer at
all (connection refused or reset, a proxy's non-JSON error page).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Type

__all__ = [
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
    "ERROR_CLASSES",
    "error_from_answer",
]


class TaskManagerError(Exception):
    """A call the server refused or could not answer.

    Attributes:
        message: the server's message (``error.message``), or why there was no answer.
        code: the tRPC error code (``"CONFLICT"``...), None when the server did not answer.
        http_status: the HTTP status of the answer, None when there was none.
        procedure: the procedure called, e.g. ``"tasks.complete"``.
        error_id: for server-side failures (5xx), the id the server's log line carries.
        retry_after: seconds the server asked to wait (``Retry-After``), if it did.
        data: the answer's whole ``error.data`` object.
    """

    code: Optional[str] = None

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        http_status: Optional[int] = None,
        procedure: Optional[str] = None,
        error_id: Optional[str] = None,
        retry_after: Optional[float] = None,
        data: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.http_status = http_status
        self.procedure = procedure
        self.error_id = error_id
        self.retry_after = retry_after
        self.data: Dict[str, Any] = dict(data or {})

    def __str__(self) -> str:
        where = f"{self.procedure}: " if self.procedure else ""
        what = f" ({self.code})" if self.code else ""
        return f"{where}{self.message}{what}"

    @property
    def transient(self) -> bool:
        """Worth repeating unchanged: no answer, a server-side failure, 408 or 429."""
        if self.http_status is None:
            return True
        return self.http_status >= 500 or self.http_status in (408, 429)


class ServerUnreachableError(TaskManagerError):
    """No usable answer: connection refused, reset or timed out, or a body that is not tRPC's."""


class ParseError(TaskManagerError):
    """``PARSE_ERROR`` (400): the request body was not JSON."""

    code = "PARSE_ERROR"


class BadRequestError(TaskManagerError):
    """``BAD_REQUEST`` (400): the input is outside what the procedure accepts.

    ``field_errors`` maps each top-level input field to its messages (``{"priority": ["Too
    big: ..."]}``); ``form_errors`` holds messages about the input as a whole. The message
    lists every issue with its full path.
    """

    code = "BAD_REQUEST"

    @property
    def issues(self) -> List[Dict[str, Any]]:
        """Each validation issue (``{"path": [...], "message": ...}``), when the server listed them."""
        try:
            parsed = json.loads(self.message)
        except ValueError:
            return []
        if not isinstance(parsed, list):
            return []
        return [issue for issue in parsed if isinstance(issue, dict) and "message" in issue]

    def __str__(self) -> str:
        issues = self.issues
        if not issues:
            return super().__str__()
        where = f"{self.procedure}: " if self.procedure else ""
        described = "; ".join(
            f"{'.'.join(str(part) for part in issue.get('path') or []) or '(input)'}: {issue['message']}"
            for issue in issues
        )
        return f"{where}{described} (BAD_REQUEST)"

    @property
    def field_errors(self) -> Dict[str, List[str]]:
        zod = self.data.get("zodError") or {}
        fields = zod.get("fieldErrors") if isinstance(zod, dict) else None
        return {str(k): list(v) for k, v in (fields or {}).items()}

    @property
    def form_errors(self) -> List[str]:
        zod = self.data.get("zodError") or {}
        return list(zod.get("formErrors") or []) if isinstance(zod, dict) else []


class UnauthorizedError(TaskManagerError):
    """``UNAUTHORIZED`` (401): no valid token (missing, unknown, revoked or expired)."""

    code = "UNAUTHORIZED"


class PaymentRequiredError(TaskManagerError):
    """``PAYMENT_REQUIRED`` (402)."""

    code = "PAYMENT_REQUIRED"


class ForbiddenError(TaskManagerError):
    """``FORBIDDEN`` (403): the token's role may not do this, or the object is not its own."""

    code = "FORBIDDEN"


class NotFoundError(TaskManagerError):
    """``NOT_FOUND`` (404): no such task, workflow, schedule, agent... or procedure."""

    code = "NOT_FOUND"


class MethodNotSupportedError(TaskManagerError):
    """``METHOD_NOT_SUPPORTED`` (405): a query sent as a mutation or the other way round."""

    code = "METHOD_NOT_SUPPORTED"


class RequestTimeoutError(TaskManagerError):
    """``TIMEOUT`` (408)."""

    code = "TIMEOUT"


class ConflictError(TaskManagerError):
    """``CONFLICT`` (409): the object's state forbids it; for agents, a stale lease epoch."""

    code = "CONFLICT"


class PreconditionFailedError(TaskManagerError):
    """``PRECONDITION_FAILED`` (412)."""

    code = "PRECONDITION_FAILED"


class PayloadTooLargeError(TaskManagerError):
    """``PAYLOAD_TOO_LARGE`` (413): the body exceeds ``task_manager.limits.request_bytes``."""

    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaTypeError(TaskManagerError):
    """``UNSUPPORTED_MEDIA_TYPE`` (415): a body that is not ``application/json``."""

    code = "UNSUPPORTED_MEDIA_TYPE"


class UnprocessableContentError(TaskManagerError):
    """``UNPROCESSABLE_CONTENT`` (422)."""

    code = "UNPROCESSABLE_CONTENT"


class PreconditionRequiredError(TaskManagerError):
    """``PRECONDITION_REQUIRED`` (428)."""

    code = "PRECONDITION_REQUIRED"


class TooManyRequestsError(TaskManagerError):
    """``TOO_MANY_REQUESTS`` (429)."""

    code = "TOO_MANY_REQUESTS"


class ClientClosedRequestError(TaskManagerError):
    """``CLIENT_CLOSED_REQUEST`` (499)."""

    code = "CLIENT_CLOSED_REQUEST"


class InternalServerError(TaskManagerError):
    """``INTERNAL_SERVER_ERROR`` (500): a bug; ``error_id`` finds its line in the server log."""

    code = "INTERNAL_SERVER_ERROR"


class NotImplementedServerError(TaskManagerError):
    """``NOT_IMPLEMENTED`` (501)."""

    code = "NOT_IMPLEMENTED"


class BadGatewayError(TaskManagerError):
    """``BAD_GATEWAY`` (502)."""

    code = "BAD_GATEWAY"


class UnavailableError(TaskManagerError):
    """``SERVICE_UNAVAILABLE`` (503): the database is unreachable or the server is stopping.

    The client retries it with backoff (honouring ``retry_after``) before raising it.
    """

    code = "SERVICE_UNAVAILABLE"


class GatewayTimeoutError(TaskManagerError):
    """``GATEWAY_TIMEOUT`` (504)."""

    code = "GATEWAY_TIMEOUT"


ERROR_CLASSES: Dict[str, Type[TaskManagerError]] = {
    cls.code: cls  # type: ignore[misc]
    for cls in (
        ParseError,
        BadRequestError,
        UnauthorizedError,
        PaymentRequiredError,
        ForbiddenError,
        NotFoundError,
        MethodNotSupportedError,
        RequestTimeoutError,
        ConflictError,
        PreconditionFailedError,
        PayloadTooLargeError,
        UnsupportedMediaTypeError,
        UnprocessableContentError,
        PreconditionRequiredError,
        TooManyRequestsError,
        ClientClosedRequestError,
        InternalServerError,
        NotImplementedServerError,
        BadGatewayError,
        UnavailableError,
        GatewayTimeoutError,
    )
}
"""The exception class of each tRPC error code."""

# tRPC's own table (getHTTPStatusCode.ts).
_STATUS_BY_CODE = {
    "PARSE_ERROR": 400,
    "BAD_REQUEST": 400,
    "UNAUTHORIZED": 401,
    "PAYMENT_REQUIRED": 402,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "METHOD_NOT_SUPPORTED": 405,
    "TIMEOUT": 408,
    "CONFLICT": 409,
    "PRECONDITION_FAILED": 412,
    "PAYLOAD_TOO_LARGE": 413,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "UNPROCESSABLE_CONTENT": 422,
    "PRECONDITION_REQUIRED": 428,
    "TOO_MANY_REQUESTS": 429,
    "CLIENT_CLOSED_REQUEST": 499,
    "INTERNAL_SERVER_ERROR": 500,
    "NOT_IMPLEMENTED": 501,
    "BAD_GATEWAY": 502,
    "SERVICE_UNAVAILABLE": 503,
    "GATEWAY_TIMEOUT": 504,
}
# A status without a tRPC body (a proxy in front of the server) still picks the right class.
_CODE_BY_STATUS = {
    status: code for code, status in _STATUS_BY_CODE.items()
}


def error_from_answer(
    error: Any,
    *,
    http_status: Optional[int],
    procedure: Optional[str] = None,
    retry_after: Optional[float] = None,
) -> TaskManagerError:
    """The exception for a tRPC error object (``{"message", "code", "data": {...}}``).

    Used for HTTP answers and for errors inside an event stream alike.
    """
    if not isinstance(error, dict):
        error = {}
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    code = data.get("code") if isinstance(data.get("code"), str) else None
    status = data.get("httpStatus") if isinstance(data.get("httpStatus"), int) else http_status
    if code is None and status is not None:
        code = _CODE_BY_STATUS.get(status)
    if status is None and code is not None:
        status = _STATUS_BY_CODE.get(code)
    message = error.get("message") if isinstance(error.get("message"), str) else None
    cls = ERROR_CLASSES.get(code or "", TaskManagerError)
    return cls(
        message or f"HTTP {status}",
        code=code,
        http_status=status,
        procedure=procedure,
        error_id=data.get("errorId") if isinstance(data.get("errorId"), str) else None,
        retry_after=retry_after,
        data=data,
    )


class NonRetryableError(Exception):
    """Raised by a handler to fail its task for good, whatever attempts remain.

    Any other exception fails the task retryably: it is queued again with backoff while
    attempts remain.
    """


class LeaseLostError(Exception):
    """The worker no longer holds the task (lease expired, task or run cancelled).

    Raised by ``ctx.progress`` once the server refuses the lease; the handler should stop,
    its result would be refused too.
    """

    def __init__(self, task_id: str, reason: str) -> None:
        super().__init__(f"task {task_id}: lease lost: {reason}")
        self.task_id = task_id
        self.reason = reason

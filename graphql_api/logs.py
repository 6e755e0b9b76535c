"""Logging for the service and uvicorn: `text` (readable) or `json` (`CIG_LOG_FORMAT=json`).

In JSON every line is one object: `time` (UTC, ISO 8601), `level`, `logger`, `message`, the
`requestId` of the request being served (when there is one), the structured `fields` a call passed
(the request line: method, path, status, durationMs, operationName, upstreamCalls, ...), and
`exception` with the traceback text. Nothing here adds headers, query strings, variables or
settings to a record, so secrets have no way in; what callers log is their business and they log
no secret either. Uvicorn's own loggers go through the same handler, in every worker process
(uvicorn applies `logging_config()` in each).
"""

from __future__ import annotations

import logging
import logging.config
import time
from typing import Any

import orjson

from . import request_context

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _request_id() -> str | None:
    info = request_context.current()
    return info.request_id if info is not None else None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        document: dict[str, Any] = {
            "time": f"{seconds}.{int(record.msecs):03d}Z", "level": record.levelname, "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = _request_id()
        if request_id is not None:
            document["requestId"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            document.update(fields)
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(document, default=str).decode()


def _text(value: object) -> str:
    return str(value) if isinstance(value, str | int | float) else orjson.dumps(value).decode()


class TextFormatter(logging.Formatter):
    """The classic line, plus `requestId=` while a request is served."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, "fields", None)
        extra = {k: v for k, v in fields.items() if k not in ("method", "path", "status", "durationMs")} \
            if isinstance(fields, dict) else {}
        request_id = _request_id()
        if request_id is not None:
            extra = {"requestId": request_id, **extra}
        if not extra:
            return line
        head, newline, tail = line.partition("\n")  # a traceback stays below the line
        pairs = " ".join(f"{k}={_text(v)}" for k, v in extra.items())
        return f"{head} {pairs}{newline}{tail}"


def logging_config(level: str, log_format: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` document: one stderr handler for the root and uvicorn's loggers."""
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"service": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "service", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            name: {"handlers": [], "level": level, "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def configure(level: str, log_format: str) -> None:
    logging.config.dictConfig(logging_config(level, log_format))

"""Error policy for every response: each error gets a stable `extensions.code`, unexpected exceptions
are masked (and logged with their traceback), and partial failures recorded by resolvers are added
beside the data."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

from graphql import GraphQLError, GraphQLSyntaxError, OperationDefinitionNode, VariableDefinitionNode
from strawberry.extensions import SchemaExtension

from resolvers.errors import INTERNAL_SERVER_ERROR

from .context import Context
from .limits import MAX_MESSAGE, safe_text
from .request_context import with_request_id

log = logging.getLogger("graphql_api.errors")

GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"


def is_expected(error: GraphQLError) -> bool:
    """Errors written for clients: request errors, and errors raised on purpose as GraphQLError."""
    return error.original_error is None or isinstance(error.original_error, GraphQLError)


def new_error_id() -> str:
    return uuid.uuid4().hex[:16]


def classify(error: GraphQLError) -> GraphQLError:
    """The error as the client sees it: masked when unexpected (with an `errorId` that is also in the
    log line holding the traceback), its message cut and made encodable, always with a code."""
    if not is_expected(error):
        error_id = new_error_id()
        log.error("unexpected error at %s (errorId=%s)", error.path, error_id, exc_info=error.original_error,
                  extra={"fields": {"errorId": error_id}})
        return GraphQLError(
            f"Internal server error (error id {error_id})", nodes=error.nodes, path=error.path,
            extensions={"code": INTERNAL_SERVER_ERROR, "errorId": error_id},
        )
    error.message = safe_text(error.message, MAX_MESSAGE)
    extensions = dict(error.extensions or {})
    if "code" not in extensions:
        if isinstance(error, GraphQLSyntaxError) or isinstance(error.original_error, GraphQLSyntaxError):
            extensions["code"] = GRAPHQL_PARSE_FAILED
        elif len(error.nodes or ()) == 1 and isinstance((error.nodes or [])[0], VariableDefinitionNode):
            # A variable value the schema does not accept (e.g. an unknown enum member): the document is
            # fine, the input is not; Apollo Server's classification, which clients already branch on.
            extensions["code"] = "BAD_USER_INPUT"
        elif error.path is None:
            extensions["code"] = GRAPHQL_VALIDATION_FAILED
        else:
            extensions["code"] = "BAD_USER_INPUT"  # argument coercion and other errors graphql-core raises
        error.extensions = extensions
    return error


class OperationNameRequired(SchemaExtension):
    """A document with several operations needs `operationName` (GraphQL spec, GetOperation).

    Strawberry would silently run the first operation; this makes it the request error it is.
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # `operation_name` falls back to the first operation's name; only the client's own value counts.
        provided = getattr(context, "_provided_operation_name", None)
        if document is not None and not provided:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                # Raised before execution, it becomes a request error: no data, 400 under graphql-response+json.
                raise GraphQLError(
                    "Must provide operationName when the document contains several operations.",
                    extensions={"code": GRAPHQL_VALIDATION_FAILED},
                )
        yield


class ErrorPolicy(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None:
            return
        context = self.execution_context.context
        found = list(result.errors or [])
        if isinstance(context, Context) and context.partial_errors:
            found.extend(context.partial_errors)
        if found:
            result.errors = [stamped(classify(e)) for e in found]


def stamped(error: GraphQLError) -> GraphQLError:
    """The error with the request id in its extensions, to match it with the log line."""
    error.extensions = with_request_id(dict(error.extensions or {}))
    return error

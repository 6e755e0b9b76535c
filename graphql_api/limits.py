"""Request limits: what a request may hold before this service spends anything on it.

One decoding path for POST bodies and GET parameters (`decode_json`, then `check_request`), so both
refuse the same inputs the same way, each with HTTP 400 and a stable code:

    INVALID_JSON         not JSON, or JSON this service cannot represent: invalid UTF-8, `\\u` escapes
                         that are not Unicode (lone surrogates), numbers too large for a double
    NOT_AN_OBJECT        JSON that is not an object where one is required (the body, `variables`,
                         `extensions`)
    JSON_TOO_DEEP        arrays and objects nested deeper than CIG_MAX_JSON_DEPTH
    LIST_TOO_LONG        a list in `variables` with more than CIG_MAX_LIST_ITEMS entries
    VARIABLES_TOO_LARGE  `variables` over CIG_MAX_VARIABLES_BYTES as JSON
    DOCUMENT_TOO_LARGE   the document over CIG_MAX_DOCUMENT_BYTES
    PAYLOAD_TOO_LARGE    (413) a body over CIG_MAX_BODY_BYTES, refused from Content-Length or while it
                         streams, before it is read whole (`graphql_api.front`)
    URI_TOO_LONG         (414) a GET path and query over CIG_MAX_URL_BYTES

Fragments and directives per document are validation rules (`document_rule`, GRAPHQL_VALIDATION_FAILED
naming the limit); tokens are counted by the parser (GRAPHQL_PARSE_FAILED), which also refuses empty
selection sets (`ParseLimits`). A value echoed into an
error message is cut to `MAX_ECHO` characters and made encodable (`safe_text`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import ASTValidationRule, DirectiveNode, DocumentNode, FragmentDefinitionNode, GraphQLError
from strawberry.extensions import MaxTokensLimiter

MAX_ECHO = 200  # characters of a client's value quoted in an error message
MAX_MESSAGE = 1_000  # characters of any error message


class ParseLimits(MaxTokensLimiter):
    """At most `max_token_count` tokens, and no empty selection set (`{}`, `images { }`): a syntax error
    (GRAPHQL_PARSE_FAILED), as graphql-js and the classic grammar have it. graphql-core 3.3 parses them,
    and Strawberry's depth limiter then fails on them with an internal error."""

    def on_operation(self) -> Iterator[None]:
        # Strawberry's ParseOptions type names only max_tokens; it passes every option to graphql-core's parse.
        self.execution_context.parse_options["allow_empty_selection_sets"] = False  # type: ignore[typeddict-unknown-key]
        yield from super().on_operation()


class RequestRefused(HTTPException):
    """A request refused before parsing or execution: an HTTP status and a stable code."""

    def __init__(self, status_code: int, reason: str, code: str) -> None:
        super().__init__(status_code, reason)
        self.code = code


@dataclass(frozen=True, slots=True)
class RequestLimits:
    max_body_bytes: int
    max_url_bytes: int
    max_document_bytes: int
    max_variables_bytes: int
    max_json_depth: int
    max_list_items: int


def safe_text(text: str, limit: int = MAX_ECHO) -> str:
    """`text` cut to `limit` characters, with anything UTF-8 cannot encode (lone surrogates) replaced."""
    cut = text if len(text) <= limit else text[:limit] + f"... ({len(text) - limit} more characters)"
    return cut.encode("utf-8", "replace").decode("utf-8")


def decode_json(data: str | bytes, what: str = "request body") -> Any:
    """JSON as this service reads it everywhere (orjson: strict UTF-8, no lone surrogates, doubles only)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise RequestRefused(400, f"the {what} is not valid JSON: {safe_text(str(exc))}", "INVALID_JSON") from None
    except UnicodeEncodeError:
        # A `str` holding lone surrogates (only GET parameters can arrive as text).
        raise RequestRefused(400, f"the {what} holds text that is not valid Unicode", "INVALID_JSON") from None


def _shape(value: Any, limits: RequestLimits, what: str, depth: int = 1) -> None:
    """Depth and list sizes, iteratively bounded: the depth check stops before Python's recursion limit."""
    if depth > limits.max_json_depth:
        raise RequestRefused(
            400, f"`{what}` nests arrays and objects deeper than {limits.max_json_depth} levels", "JSON_TOO_DEEP"
        )
    if isinstance(value, list):
        if len(value) > limits.max_list_items:
            raise RequestRefused(
                400, f"a list in `{what}` has {len(value)} entries, more than the limit of {limits.max_list_items}",
                "LIST_TOO_LONG",
            )
        for item in value:
            _shape(item, limits, what, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            _shape(item, limits, what, depth + 1)


def check_request(data: Any, limits: RequestLimits) -> dict[str, Any]:
    """The GraphQL request parameters, checked against the limits; GET and POST alike."""
    if isinstance(data, list):
        return data  # type: ignore[return-value]  # batches: Strawberry refuses them (batching is off)
    if not isinstance(data, dict):
        raise RequestRefused(400, "a GraphQL request is a JSON object with `query`", "NOT_AN_OBJECT")
    query = data.get("query")
    if isinstance(query, str) and len(query.encode("utf-8", "replace")) > limits.max_document_bytes:
        raise RequestRefused(
            413, f"the document is larger than {limits.max_document_bytes} bytes", "DOCUMENT_TOO_LARGE"
        )
    for name in ("variables", "extensions"):
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise RequestRefused(400, f"`{name}` must be a JSON object or null", "NOT_AN_OBJECT")
        _shape(value, limits, name)
    variables = data.get("variables")
    if variables and len(orjson.dumps(variables)) > limits.max_variables_bytes:
        raise RequestRefused(
            413, f"`variables` are larger than {limits.max_variables_bytes} bytes as JSON", "VARIABLES_TOO_LARGE"
        )
    return data


def document_rule(*, max_fragments: int, max_directives: int) -> type[ASTValidationRule]:
    """A validation rule refusing documents with more fragment definitions or directive uses than allowed."""

    class DocumentLimits(ASTValidationRule):
        def enter_document(self, node: DocumentNode, *_args: Any) -> None:
            fragments = sum(isinstance(d, FragmentDefinitionNode) for d in node.definitions)
            if max_fragments and fragments > max_fragments:
                self.report_error(GraphQLError(
                    f"the document defines {fragments} fragments, more than the limit of {max_fragments}", node,
                ))
            self.directives = 0

        def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
            self.directives += 1
            if max_directives and self.directives == max_directives + 1:
                self.report_error(GraphQLError(
                    f"the document uses more than {max_directives} directives", node,
                ))

    return DocumentLimits

"""Parsed documents kept across requests: a hot document is parsed once, like it is validated once.

Parsing a 20-field page query costs about 0.4 ms, a seventh of a compiled request. A document that
parsed is kept (least recently used out, `size` at most) and handed to Strawberry, which then skips
its own parse; a document that fails to parse is never kept, so its error is Strawberry's as before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension

from .plans import MAX_DOCUMENT_CHARS


class ParsedDocuments:
    def __init__(self, size: int) -> None:
        self.size = size
        self._documents: OrderedDict[str, DocumentNode] = OrderedDict()

    def __len__(self) -> int:
        return len(self._documents)

    def get(self, text: str) -> DocumentNode | None:
        document = self._documents.get(text)
        if document is not None:
            self._documents.move_to_end(text)
        return document

    def put(self, text: str, document: DocumentNode) -> None:
        if len(text) > MAX_DOCUMENT_CHARS:
            return
        self._documents[text] = document
        if len(self._documents) > self.size:
            self._documents.popitem(last=False)


class DocumentCache(SchemaExtension):
    """Per request (Strawberry builds extensions per request), over one `ParsedDocuments` per schema."""

    def __init__(self, documents: ParsedDocuments) -> None:
        super().__init__()
        self.documents = documents

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        text = context.query
        cached = self.documents.get(text) if text and context.graphql_document is None else None
        if cached is not None:
            context.graphql_document = cached
        yield
        if cached is None and text and context.graphql_document is not None:
            self.documents.put(text, context.graphql_document)

"""Compiles the selection set below one root field into Python source, once per document.

The generated code is graphql-core's `execute_field` / `complete_value` / `complete_list_value` /
`complete_object_value` unrolled for one selection: the same order of fields, the same try/except
at each field and list item (calling the executor's own `handle_field_error`, so null propagation,
paths, locations and error collection are graphql-core's), and a fast path for the values that
dominate large pages: a plain attribute read for a Strawberry field without a resolver, a builtin
scalar of exactly the right Python type returned as is, an enum member looked up in a table built
with the enum's own serializer, a `list` completed in a loop, an object of exactly its Strawberry
class completed by the generated function of its selection. Any other value goes to the executor's
`complete_value` for that one position, so the answer is graphql-core's by construction.

Before that field-by-field code, an object whose fields are all attribute reads is tried as one dict
display (`fast_function`), which raises at any value the field-by-field code would not return as is
and records nothing, so that code can start over. An object of a class that declares `kept_answers`
(it never changes once made, e.g. the nodes the answer memo keeps per cached record) keeps that
answer per selection, at most `kept_answers` of them, and gives it again.

What the compiler does not handle raises `Unsupported` at compile time (the root field then runs
on graphql-core): field arguments, directives other than `@skip`/`@include` (already applied by
graphql-core's field collection with this request's variables), `@defer`, fragment variables,
async resolvers, `is_type_of` functions that need resolve info. At run time, an awaitable where
none was expected raises `Bail`, and the executor completes that root field with graphql-core.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution import Executor
from graphql.execution.collect_fields import FieldDetails, collect_subfields
from graphql.execution.executor import invalid_return_type_error
from graphql.pyutils import Path, Undefined
from graphql.type.introspection import TypeNameMetaFieldDef

# Strawberry links each graphql-core field back to its StrawberryField under this extension key.
STRAWBERRY_BACKREF = "strawberry-definition"
EXECUTION_DIRECTIVES = frozenset({"skip", "include"})
MIN_INT, MAX_INT = -(2**31), 2**31 - 1
INF = float("inf")

Info = GraphQLResolveInfo[Any]
RootCompleter = Callable[[Executor[Any], Any, Path, Info], Any]


class Unsupported(Exception):
    """The selection uses something the compiler leaves to graphql-core; the message says what."""


class Slow(Exception):
    """Raised by a fast object function at a value it does not take: the field-by-field code runs instead."""


def slow() -> Any:
    raise Slow


KEPT_ANSWERS = "kept_answers"  # a Strawberry class's opt-in: how many answers (selections) each object keeps
ANSWERS = "_compiled_answers"  # where an object keeps them: selection -> its answer


def keep(src: Any, selection: object, answer: dict[str, Any], bound: int) -> dict[str, Any]:
    """`answer` kept on `src` for `selection`, the oldest of its `bound` answers dropped first."""
    answers = src.__dict__.setdefault(ANSWERS, {})
    if len(answers) >= bound:
        del answers[next(iter(answers))]
    answers[selection] = answer
    return answer


def _plain_name(attribute: str) -> bool:
    return attribute.isidentifier() and not keyword.iskeyword(attribute) and not attribute.startswith("__")


class Bail(BaseException):
    """Raised by compiled code on an awaitable: the executor completes the root field with graphql-core."""


@dataclass(frozen=True, slots=True)
class FieldSite:
    """One field of one selection: what graphql-core's `execute_field` would have in hand."""

    field_def: GraphQLField
    details: list[FieldDetails]
    parent_type: GraphQLObjectType
    resolve: Callable[..., Any] | None
    nodes: list[Any] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", [d.node for d in self.details])

    def info(self, ex: Executor[Any], path: Path) -> Info:
        return ex.build_resolve_info(self.field_def, self.nodes, self.parent_type, path)


def _close(value: Any) -> None:
    close = getattr(value, "close", None)
    if callable(close):
        close()


def delegate(
    ex: Executor[Any], site: FieldSite, type_: GraphQLOutputType, field_path: Path, path: Path, value: Any
) -> Any:
    """graphql-core's completion of one position the fast path does not cover."""
    completed = ex.complete_value(type_, site.details, site.info(ex, field_path), path, value, None)
    if ex.is_awaitable(completed):
        _close(completed)
        raise Bail
    return completed


def leaf(ex: Executor[Any], site: FieldSite, leaf_type: Any, type_: GraphQLOutputType, field_path: Path, path: Path,
         value: Any) -> Any:
    """A scalar without a fast path: its own serializer, exactly as `complete_leaf_value` calls it."""
    if value is None or value is Undefined or isinstance(value, Exception):
        return delegate(ex, site, type_, field_path, path, value)
    return ex.complete_leaf_value(leaf_type, value)


def item(ex: Executor[Any], site: FieldSite, item_type: GraphQLOutputType, field_path: Path, path: Path, index: int,
         value: Any) -> Any:
    """One list item the fast path does not cover, as `complete_list_item_value` completes it."""
    if ex.is_awaitable(value):
        raise Bail
    item_path = path.add_key(index, None)
    try:
        return delegate(ex, site, item_type, field_path, item_path, value)
    except Exception as error:
        ex.handle_field_error(error, item_type, site.details, item_path)
        return None


def custom_string(value: Any) -> str | None:
    """`serialize_id` / `serialize_string` for an object of a non-builtin class: its `str()`. None for
    anything else (builtins, numbers, str subclasses, exceptions, Undefined), which takes the slow path."""
    if isinstance(value, str | int | float | Exception) or type(value).__module__ == "builtins" or value is Undefined:
        return None
    return str(value)


def resolve(ex: Executor[Any], site: FieldSite, source: Any, field_path: Path) -> Any:
    """A field with its own resolver, called as `execute_field` calls it (no arguments)."""
    value = (site.resolve or ex.field_resolver)(source, site.info(ex, field_path))
    if ex.is_awaitable(value):
        _close(value)
        raise Bail
    return value


def abstract(ex: Executor[Any], site: FieldSite, type_: Any, field_path: Path, path: Path, value: Any,
             objects: dict[str, Callable[[Executor[Any], Any, Path], Any]]) -> Any:
    """`complete_abstract_value`: the type's own resolver picks the object type, compiled code completes it."""
    info = site.info(ex, field_path)
    resolve_type = type_.resolve_type or ex.type_resolver
    runtime = resolve_type(value, info, type_)
    if ex.is_awaitable(runtime):
        _close(runtime)
        raise Bail
    object_type = ex.ensure_valid_runtime_type(runtime, type_, site.details, info, value)
    return objects[object_type.name](ex, value, path)


def _python_attribute(field_def: GraphQLField) -> str | None:
    """The attribute a Strawberry field without a resolver reads, or None when it is not such a field."""
    if not getattr(field_def.resolve, "_is_default", False):
        return None
    definition = (field_def.extensions or {}).get(STRAWBERRY_BACKREF)
    if definition is None or definition.base_resolver is not None or definition.extensions:
        return None
    if definition.default_resolver is not getattr:
        return None
    return str(definition.python_name)


def _strawberry_is_type_of(object_type: GraphQLObjectType) -> bool:
    """Strawberry's generated `is_type_of` reads only the object; it is called without resolve info."""
    check = object_type.is_type_of
    return check is not None and check.__module__.startswith("strawberry.") and check.__name__ == "is_type_of"


def _origin(object_type: GraphQLObjectType) -> type | None:
    definition = (object_type.extensions or {}).get(STRAWBERRY_BACKREF)
    origin = getattr(definition, "origin", None)
    return origin if isinstance(origin, type) and not hasattr(origin, "__await__") else None


# Exact Python type -> condition under which graphql-core's serializer returns the value itself.
FAST_SCALARS: dict[Any, tuple[type, str]] = {
    GraphQLString: (str, "type({v}) is str"),
    GraphQLID: (str, "type({v}) is str"),
    GraphQLBoolean: (bool, "type({v}) is bool"),
    GraphQLInt: (int, f"(type({{v}}) is int and {MIN_INT} <= {{v}} <= {MAX_INT})"),
    GraphQLFloat: (float, "(type({v}) is float and -INF < {v} < INF)"),
}


def _fast_or_slow(out: list[str], pad: str, prefix: str, condition: str, o: str, fast: str, slow: str) -> None:
    out.append(f"{pad}{prefix}if {condition}:")
    out.append(f"{pad}    {o} = {fast}")
    out.append(f"{pad}else:")
    out.append(f"{pad}    {o} = {slow}")


class Compiler:
    """Generates the completer of one root field for one executor's document and variables."""

    def __init__(self, ex: Executor[Any]) -> None:
        self.ex: Executor[Any] = ex
        self.schema = ex.schema
        self.lines: list[str] = []
        self.names: dict[str, Any] = {
            "Path": Path, "Bail": Bail, "INF": INF, "delegate": delegate, "leaf": leaf, "item": item,
            "resolve": resolve, "abstract": abstract, "custom_string": custom_string,
            "invalid_return_type_error": invalid_return_type_error, "Slow": Slow, "slow": slow,
            "Undefined": Undefined, "keep": keep,
        }
        self.objects: dict[tuple[str, int], str] = {}
        self.fast: dict[tuple[str, int], str] = {}  # the objects whose answer is one expression: `fast_function`
        self.enums: dict[str, tuple[str, str]] = {}
        self.tables: dict[str, dict[str, str]] = {}  # abstract types: object type name -> generated function
        self.counter = 0

    def const(self, value: Any, prefix: str = "K") -> str:
        self.counter += 1
        name = f"{prefix}{self.counter}"
        self.names[name] = value
        return name

    def compile_root(self, site: FieldSite) -> RootCompleter:
        body: list[str] = []
        site_name = self.const(site, "F")
        self.value(body, 1, site.field_def.type, site_name, "v", "o", "path", "path", 0)
        self.lines += ["def root(ex, v, path, info):", *body, "    return o", ""]
        namespace = dict(self.names)
        exec(compile("\n".join(self.lines), "<compiled selection>", "exec"), namespace)
        for table, functions in self.tables.items():
            namespace[table].update({type_name: namespace[f] for type_name, f in functions.items()})
        return namespace["root"]  # type: ignore[no-any-return]

    def value(self, out: list[str], depth: int, type_: GraphQLOutputType, site: str, v: str, o: str,
              path: str, field_path: str, level: int) -> None:
        """Lines that complete `v` of `type_` into `o`, raising like `complete_value` on field errors."""
        pad = "    " * depth
        nullable = not is_non_null_type(type_)
        inner: Any = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        full = self.const(type_, "T")
        slow = f"delegate(ex, {site}, {full}, {field_path}, {path}, {v})"
        prefix = ""
        if nullable:
            out.append(f"{pad}if {v} is None:")
            out.append(f"{pad}    {o} = None")
            prefix = "el"
        if is_leaf_type(inner):
            fast = self.leaf_condition(inner, v)
            if fast is not None:
                condition, expression = fast
                out.append(f"{pad}{prefix}if {condition}:")
                out.append(f"{pad}    {o} = {expression}")
                if expression != v:  # an enum member the table does not know
                    out.append(f"{pad}    if {o} is None:")
                    out.append(f"{pad}        {o} = {slow}")
                out.append(f"{pad}else:")
                if inner in (GraphQLID, GraphQLString):  # e.g. relay's GlobalID, serialized as its str()
                    out.append(f"{pad}    {o} = custom_string({v})")
                    out.append(f"{pad}    if {o} is None:")
                    out.append(f"{pad}        {o} = {slow}")
                else:
                    out.append(f"{pad}    {o} = {slow}")
            else:
                leaf_type = self.const(inner, "T")
                line = f"{o} = leaf(ex, {site}, {leaf_type}, {full}, {field_path}, {path}, {v})"
                out.append(f"{pad}else:\n{pad}    {line}" if prefix else f"{pad}{line}")
            return
        if is_list_type(inner):
            out.append(f"{pad}{prefix}if type({v}) is list:")
            self.list_loop(out, depth + 1, inner, site, v, o, path, field_path, level)
            out.append(f"{pad}else:")
            out.append(f"{pad}    {o} = {slow}")
            return
        if is_object_type(inner):
            origin = _origin(inner)
            function = self.object_function(inner, self.names[site].details)
            if origin is None:
                raise Unsupported(f"type {inner.name} has no Strawberry class to check values against")
            _fast_or_slow(out, pad, prefix, f"type({v}) is {self.const(origin, 'C')}", o,
                          f"{function}(ex, {v}, {path})", slow)
            return
        if is_abstract_type(inner):
            table = self.const({}, "D")
            self.tables[table] = {
                possible.name: self.object_function(possible, self.names[site].details)
                for possible in self.schema.get_possible_types(inner)
            }
            abstract_type = self.const(inner, "T")
            _fast_or_slow(out, pad, prefix, f"{v} is not None and not isinstance({v}, Exception)", o,
                          f"abstract(ex, {site}, {abstract_type}, {field_path}, {path}, {v}, {table})", slow)
            return
        raise Unsupported(f"unexpected output type {type_}")  # pragma: no cover - all output types handled

    def leaf_condition(self, leaf_type: Any, v: str) -> tuple[str, str] | None:
        fast = FAST_SCALARS.get(leaf_type)
        if fast is not None:
            return fast[1].format(v=v), v
        if isinstance(leaf_type, GraphQLEnumType):
            names = self.enum_table(leaf_type)
            if names is None:
                return None
            members, table = names
            return f"type({v}) is {members}", f"{table}.get({v}._name_)"
        return None

    def enum_table(self, enum_type: GraphQLEnumType) -> tuple[str, str] | None:
        """(members' class, table) names: each member's name to its serialized value, once per enum."""
        if enum_type.name in self.enums:
            return self.enums[enum_type.name]
        members = getattr(enum_type, "wrapped_cls", None)
        if not isinstance(members, type):
            return None
        # Keyed by member name: hashing a member calls Enum.__hash__ in Python; its name is a plain str.
        table: dict[str, str] = {}
        for member in list(members):  # type: ignore[call-overload]
            try:
                table[member._name_] = enum_type.coerce_output_value(member)
            except Exception:
                continue
        names = self.enums[enum_type.name] = (self.const(members, "C"), self.const(table, "E"))
        return names

    def list_loop(self, out: list[str], depth: int, list_type: GraphQLList[Any], site: str, v: str, o: str,
                  path: str, field_path: str, level: int) -> None:
        pad = "    " * depth
        item_type = list_type.of_type
        nullable = not is_non_null_type(item_type)
        inner: Any = item_type if nullable else item_type.of_type
        x, append = f"x{level}", f"a{level}"
        typed = self.const(item_type, "T")
        slow = f"{append}(item(ex, {site}, {typed}, {field_path}, {path}, len({o}), {x}))"
        out.append(f"{pad}{o} = []")
        out.append(f"{pad}{append} = {o}.append")
        out.append(f"{pad}for {x} in {v}:")
        fast = self.leaf_condition(inner, x) if is_leaf_type(inner) else None
        if fast is not None and fast[1] == x:
            condition = f"{x} is None or {fast[0]}" if nullable else fast[0]
            out.append(f"{pad}    if {condition}:")
            out.append(f"{pad}        {append}({x})")
            out.append(f"{pad}    else:")
            out.append(f"{pad}        {slow}")
            return
        origin = _origin(inner) if is_object_type(inner) else None
        if origin is None:
            out.append(f"{pad}    {slow}")
            return
        function = self.object_function(inner, self.names[site].details)
        cls = self.const(origin, "C")
        item_path = f"p{level}"
        out.append(f"{pad}    if type({x}) is {cls}:")
        out.append(f"{pad}        {item_path} = Path({path}, len({o}), None)")
        out.append(f"{pad}        try:")
        out.append(f"{pad}            {append}({function}(ex, {x}, {item_path}))")
        out.append(f"{pad}        except Exception as error:")
        out.append(f"{pad}            ex.handle_field_error(error, {typed}, {site}.details, {item_path})")
        out.append(f"{pad}            {append}(None)")
        if nullable:
            out.append(f"{pad}    elif {x} is None:")
            out.append(f"{pad}        {append}(None)")
        out.append(f"{pad}    else:")
        out.append(f"{pad}        {slow}")

    def object_function(self, object_type: GraphQLObjectType, details: Sequence[FieldDetails]) -> str:
        """The name of the generated function completing `object_type` for this field's selection."""
        key = (object_type.name, id(details))
        if key in self.objects:
            return self.objects[key]
        ex = self.ex
        collected = collect_subfields(
            self.schema, ex.fragments, ex.variable_values, ex.operation, object_type, list(details),
            ex.hide_suggestions,
        )
        if collected.new_defer_usages:
            raise Unsupported("@defer")
        name = f"obj{len(self.objects)}"
        self.objects[key] = name
        body = [f"def {name}(ex, src, path):"]
        if object_type.is_type_of is not None:
            if not _strawberry_is_type_of(object_type):
                raise Unsupported(f"{object_type.name}.is_type_of needs resolve info")
            check = self.const(object_type.is_type_of, "I")
            typed = self.const(object_type, "T")
            fields = self.const(list(details), "L")
            body.append(f"    if not {check}(src, None):")
            body.append(f"        raise invalid_return_type_error({typed}, src, {fields})")
        body.append("    r = {}")
        for response_name, field_details in collected.grouped_field_set.items():
            self.field(body, object_type, response_name, field_details)
        body.append("    return r")
        fast = self.fast_function(object_type, collected.grouped_field_set)
        if fast is not None:
            self.fast[key] = fast
            # The whole object in one expression first; on any value it does not take, field by field.
            body[1:1] = ["    try:", f"        return {fast}(src)", "    except Exception:", "        pass"]
        self.lines += [*body, ""]
        return name

    def fast_function(self, object_type: GraphQLObjectType, fields: Mapping[str, list[FieldDetails]]) -> str | None:
        """The name of `fastN(src)`, the object's answer as one dict display, or None when a field needs
        more than an attribute read. It raises (`Slow`) on any value the field-by-field code would not
        return as is (a null for a non-null field, an unknown enum member, another class), never
        records an error and has no side effect, so the field-by-field code can always start over."""
        parts = []
        for response_name, details in fields.items():
            expression = self.fast_field(object_type, details)
            if expression is None:
                return None
            parts.append(f"{response_name!r}: {expression}")
        name = f"fast{len(self.fast)}"
        lines = [f"def {name}(src):"]
        if object_type.is_type_of is not None:
            lines.append(f"    if not {self.const(object_type.is_type_of, 'I')}(src, None):")
            lines.append("        raise Slow")
        origin = _origin(object_type)
        kept = getattr(origin, KEPT_ANSWERS, 0) if origin is not None else 0
        if isinstance(kept, int) and kept > 0:
            # An object that never changes once made (it says so) keeps its answer to this selection.
            selection = self.const(object(), "K")
            lines.append(f"    answers = src.__dict__.get({ANSWERS!r})")
            lines.append(f"    found = answers.get({selection}) if answers is not None else None")
            lines.append("    if found is None:")
            lines.append(f"        found = keep(src, {selection}, {{" + ", ".join(parts) + f"}}, {kept})")
            lines.append("    return found")
        else:
            lines.append("    return {" + ", ".join(parts) + "}")
        self.lines += [*lines, ""]
        return name

    def fast_field(self, parent: GraphQLObjectType, details: list[FieldDetails]) -> str | None:
        field_def = self.schema.get_field(parent, details[0].node.name.value)
        if field_def is TypeNameMetaFieldDef:
            return repr(parent.name)
        attribute = _python_attribute(field_def) if field_def is not None else None
        if field_def is None or attribute is None or not _plain_name(attribute):
            return None
        return self.fast_value(field_def.type, f"src.{attribute}", details, 0)

    def fast_value(self, type_: GraphQLOutputType, getter: str, details: list[FieldDetails], depth: int) -> str | None:
        """An expression completing `getter` of `type_`, or raising Slow; None when there is none."""
        v = f"v{depth}"
        bound = f"({v} := {getter})"  # the value read once; later references use `v`
        inner: Any = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        otherwise = "slow()" if is_non_null_type(type_) else f"None if {v} is None else slow()"
        if inner in (GraphQLString, GraphQLID):
            return f"({v} if type({bound}) is str else {otherwise})"
        if inner is GraphQLBoolean:
            return f"({v} if type({bound}) is bool else {otherwise})"
        if inner is GraphQLInt:
            return f"({v} if type({bound}) is int and {MIN_INT} <= {v} <= {MAX_INT} else {otherwise})"
        if inner is GraphQLFloat:
            return f"({v} if type({bound}) is float and -INF < {v} < INF else {otherwise})"
        if isinstance(inner, GraphQLEnumType):
            names = self.enum_table(inner)
            if names is None:
                return None
            members, table = names
            e = f"e{depth}"
            return (f"({e} if type({bound}) is {members} and ({e} := {table}.get({v}._name_)) is not None "
                    f"else {otherwise})")
        if is_leaf_type(inner):  # a scalar of its own (DateTime, JSON): its serializer, as graphql-core calls it
            serialize, s = self.const(inner.coerce_output_value, "S"), f"s{depth}"
            # A serializer that raises leaves the object to the field-by-field code, like `slow()`.
            return (f"({s} if {bound} is not None and not isinstance({v}, Exception) and "
                    f"({s} := {serialize}({v})) is not None and {s} is not Undefined else {otherwise})")
        if is_list_type(inner):
            x = f"x{depth}"
            item = self.fast_value(inner.of_type, x, details, depth + 1)
            if item is None:
                return None
            # An empty list (most of them, on large pages) skips the comprehension's frame.
            return f"(([{item} for {x} in {v}] if {v} else []) if type({bound}) is list else {otherwise})"
        if is_object_type(inner):
            origin = _origin(inner)
            if origin is None:
                return None
            self.object_function(inner, details)
            function = self.fast.get((inner.name, id(details)))
            if function is None:
                return None
            return f"({function}({v}) if type({bound}) is {self.const(origin, 'C')} else {otherwise})"
        return None  # abstract types: their resolver picks the object type

    def field(self, out: list[str], parent: GraphQLObjectType, response_name: str,
              details: list[FieldDetails]) -> None:
        first = details[0]
        node = first.node
        if first.defer_usage is not None or first.fragment_variable_values is not None:
            raise Unsupported("@defer or fragment variables")
        for detail in details:
            for directive in detail.node.directives or ():
                if directive.name.value not in EXECUTION_DIRECTIVES:
                    raise Unsupported(f"directive @{directive.name.value}")
        key = repr(response_name)
        field_name = node.name.value
        field_def = self.schema.get_field(parent, field_name)
        if field_def is None:
            raise Unsupported(f"unknown field {parent.name}.{field_name}")
        if field_def is TypeNameMetaFieldDef:
            out.append(f"    r[{key}] = {parent.name!r}")
            return
        if field_def.args or node.arguments:
            raise Unsupported(f"arguments on {parent.name}.{field_name}")
        definition = (field_def.extensions or {}).get(STRAWBERRY_BACKREF)
        if definition is not None and getattr(definition, "is_async", False):
            raise Unsupported(f"async resolver {parent.name}.{field_name}")
        site = FieldSite(field_def, details, parent, field_def.resolve)
        site_name = self.const(site, "F")
        field_path = f"Path(path, {key}, {parent.name!r})"
        attribute = _python_attribute(field_def)
        out.append("    try:")
        if attribute is None:
            out.append(f"        fp = {field_path}")
            out.append(f"        v = resolve(ex, {site_name}, src, fp)")
            field_path = "fp"
        elif attribute.isidentifier() and not keyword.iskeyword(attribute) and not attribute.startswith("__"):
            out.append(f"        v = src.{attribute}")
        else:
            out.append(f"        v = getattr(src, {attribute!r})")
        return_type = field_def.type
        unwrapped: Any = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        if field_path != "fp" and not is_leaf_type(unwrapped):
            out.append(f"        fp = {field_path}")
            field_path = "fp"
        self.value(out, 2, return_type, site_name, "v", "o", field_path, field_path, 1)
        out.append(f"        r[{key}] = o")
        out.append("    except Exception as error:")
        out.append(f"        ex.handle_field_error(error, {site_name}.field_def.type, {site_name}.details, "
                   f"Path(path, {key}, {parent.name!r}))")
        out.append(f"        r[{key}] = None")

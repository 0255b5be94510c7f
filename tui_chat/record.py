"""`@record`: a dataclass's constructor, equality and repr, without its cost at import.

`@dataclass` writes `__init__`, `__repr__` and `__eq__` as source text and compiles
them each time its module is imported: ~2.3 M instructions a class (callgrind), and the
app made twenty of them before its first frame (~45 M, a sixth of its start-up above a
Textual hello world). A record's methods are written once, here, and read the fields
the class lists; building a record is a few microseconds slower, which matters only
for classes made by the hundred thousand (`Message` keeps a hand-written `__init__`,
which `record` leaves in place).

The class body is written as for a dataclass (annotated fields, defaults,
`dataclasses.field(default_factory=...)`); type checkers read it as one
(`dataclass_transform`). Not supported: `InitVar`, keyword-only fields, `__slots__`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, field
from typing import Any, TypeVar, dataclass_transform

__all__ = ["field", "field_names", "record", "replace"]

T = TypeVar("T")
#: The fields of a record class, in order: (name, default, factory); MISSING where none.
FIELDS = "__record_fields__"


def _fields_of(cls: type) -> tuple[tuple[str, Any, Any], ...]:
    inherited = [f for base in reversed(cls.__mro__[1:]) for f in getattr(base, FIELDS, ())]
    own = []
    for name, annotation in inspect.get_annotations(cls).items():
        if "ClassVar" in str(annotation):
            continue
        default = cls.__dict__.get(name, MISSING)
        factory = MISSING
        if isinstance(default, Field):
            default, factory = default.default, default.default_factory
            if default is MISSING:
                delattr(cls, name)  # as a dataclass leaves no Field behind on the class
            else:
                setattr(cls, name, default)
        own.append((name, default, factory))
    mine = {name for name, _, _ in own}
    return (*(f for f in inherited if f[0] not in mine), *own)


def _make_init(fields: tuple[tuple[str, Any, Any], ...], frozen: bool) -> Callable[..., None]:
    names = tuple(name for name, _, _ in fields)
    put = object.__setattr__ if frozen else setattr

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments")
        for (name, _default, _factory), value in zip(fields, args, strict=False):
            if name in kwargs:
                raise TypeError(f"{type(self).__name__}() got two values for {name!r}")
            put(self, name, value)
        for name, default, factory in fields[len(args) :]:
            if name in kwargs:
                put(self, name, kwargs.pop(name))
            elif factory is not MISSING:
                put(self, name, factory())
            elif default is not MISSING:
                put(self, name, default)
            else:
                raise TypeError(f"{type(self).__name__}() is missing {name!r}")
        if kwargs:
            unknown = ", ".join(map(repr, kwargs))
            raise TypeError(f"{type(self).__name__}() got unexpected {unknown}")
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    __init__.__doc__ = f"Fields: {', '.join(names)}."
    return __init__


def _values(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, name) for name, _, _ in getattr(self, FIELDS))


def _eq(self: Any, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name, _, _ in getattr(self, FIELDS))
    return f"{type(self).__qualname__}({shown})"


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _hash(self: Any) -> int:
    return hash(_values(self))


@dataclass_transform(field_specifiers=(field, Field))
def record(cls: type[T] | None = None, /, *, frozen: bool = False) -> Any:
    """Make `cls` a record (see the module's docstring); `frozen` as for a dataclass."""

    def make(cls: type[T]) -> type[T]:
        fields = _fields_of(cls)
        setattr(cls, FIELDS, fields)
        if "__init__" not in cls.__dict__:
            cls.__init__ = _make_init(fields, frozen)  # type: ignore[misc]
        cls.__eq__ = _eq  # type: ignore[method-assign,assignment]
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = _repr  # type: ignore[method-assign,assignment]
        if frozen:
            cls.__setattr__ = _frozen_setattr  # type: ignore[method-assign,assignment]
            cls.__delattr__ = _frozen_delattr  # type: ignore[method-assign,assignment]
            cls.__hash__ = _hash  # type: ignore[method-assign,assignment]
        else:
            cls.__hash__ = None  # type: ignore[method-assign,assignment]  # mutable: unhashable
        return cls

    return make if cls is None else make(cls)


def field_names(obj: object) -> tuple[str, ...]:
    """The fields of a record (class or instance), in order."""
    return tuple(name for name, _, _ in getattr(obj, FIELDS))


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the record `obj` with `changes`, as `dataclasses.replace` makes one."""
    values = {name: getattr(obj, name) for name, _, _ in getattr(obj, FIELDS)}
    unknown = changes.keys() - values.keys()
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field {', '.join(sorted(unknown))}")
    return type(obj)(**{**values, **changes})

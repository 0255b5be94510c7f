"""The settings form's fields and the rules they are checked by.

A check takes a field's text and returns the message to show, or None when the text is
fine; `parse_*` and `format_*` turn the text to and from the value stored in `Settings`.
These rules are also used by the conversation parameters dialog (`ui/screens/dialogs.py`), so the
two forms accept and refuse the same temperatures and token limits.

`Field` is one labelled input with its check, `ChoiceField` a labelled choice among names
(the default provider): the problem shows under it (as plain text, never markup) once the
field has been edited, left, or Save has been pressed. `RowLabel` is the label of a row;
the screen marks the one whose field has the focus.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from urllib.parse import urlsplit

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Label, Select, Static

from ....store.settings import DYNASPARK, provider_name_problem
from ...inputs import TextInput
from ...safe import one_line, plain

# DYNASPARK (from store.settings): the built-in provider's name, which no backend or
# endpoint may take.
URL_SCHEMES = ("http", "https")
# The same schemes settings.py accepts for a proxy.
PROXY_SCHEMES = ("http", "https", "socks4", "socks5", "socks5h")

Check = Callable[[str], str | None]


# ---------------------------------------------------------------------------------------------
# Checks: each takes the field's text and returns a message, or None when the text is fine.

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_HEADER_NAME = re.compile(_TOKEN)
# A ";" starts a new header only when "Name:" follows, so "Cookie: a=1; b=2" stays one header.
_HEADER_SPLIT = re.compile(r";\s*(?=" + _TOKEN + r"\s*:)")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(k|kb|kib|m|mb|mib|g|gb|gib)?", re.IGNORECASE)
_UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3}


def quoted(text: str) -> str:
    """Outside text for a message: one line, shortened, in quotes."""
    return repr(one_line(text, 40))


def check_name(value: str) -> str | None:
    return provider_name_problem(value)  # the loader's rule: one verdict for both


def check_provider_name(value: str, others: Collection[str]) -> str | None:
    """A backend's or endpoint's name: not Dynaspark's, nor one of the `others` providers'."""
    problem = check_name(value)
    if problem:
        return problem
    name = value.strip()
    if name == DYNASPARK:
        return f"{DYNASPARK} is the name of the built-in provider; choose another."
    if name in others:
        return f"Another provider is also named {quoted(name)}; names must be unique."
    return None


def check_default_provider(value: str, names: Iterable[str]) -> str | None:
    """The default provider: empty (the first one) or one of the provider `names`."""
    name = value.strip()
    if not name:
        return None
    names = [n for n in names if n]
    if name not in names:
        listed = ", ".join(one_line(n, 30) for n in names[:8])
        return f"No provider is named {quoted(name)}. Names: {listed}."
    return None


def check_url(
    value: str, schemes: tuple[str, ...] = URL_SCHEMES, allow_empty: bool = False
) -> str | None:
    text = value.strip()
    wanted = " or ".join(f"{s}://" for s in schemes)
    if not text:
        return None if allow_empty else f"A URL is required, starting with {wanted}."
    if any(c.isspace() for c in text) or _CONTROL.search(text):
        return "A URL cannot contain spaces or control characters."
    if "://" not in text:
        return f"The URL needs a scheme: start it with {wanted}."
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        return f"Not a valid URL: {exc}."
    if parts.scheme.lower() not in schemes:
        return f"Use {wanted}, not {quoted(parts.scheme)}."
    if not parts.hostname:
        return f"The URL needs a host after {parts.scheme}://."
    return None


def check_proxy(value: str) -> str | None:
    return check_url(value, PROXY_SCHEMES, allow_empty=True)


def parse_headers(text: str) -> tuple[dict[str, str], str | None]:
    """'Name: value; Name2: value2' -> ({Name: value, ...}, None), or ({}, message)."""
    headers: dict[str, str] = {}
    seen: set[str] = set()
    if not text.strip():
        return headers, None
    for part in _HEADER_SPLIT.split(text.strip()):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not _HEADER_NAME.fullmatch(name):
            return {}, f"Write headers as  Name: value; Name2: value2  ({quoted(part)} is not)."
        if _CONTROL.search(value):
            return {}, f"The value of header {quoted(name)} has control characters."
        if name.lower() in seen:
            return {}, f"The header {quoted(name)} is given twice."
        seen.add(name.lower())
        headers[name] = value
    return headers, None


def format_headers(headers: Mapping[str, str]) -> str:
    return "; ".join(f"{name}: {value}" for name, value in headers.items())


def check_headers(value: str) -> str | None:
    return parse_headers(value)[1]


def check_env_name(value: str) -> str | None:
    text = value.strip()
    if text and not _ENV_NAME.fullmatch(text):
        return "An environment variable name: letters, digits and _, not starting with a digit."
    return None


def parse_temperature(value: str) -> float | None:
    text = value.strip()
    return float(text) if text else None


def check_temperature(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return (
            f"Temperature must be a number from 0 to 2 (empty: the provider's default), "
            f"not {quoted(text)}."
        )
    if not math.isfinite(number) or not 0 <= number <= 2:
        return "Temperature must be from 0 to 2 (empty: the provider's default)."
    return None


def check_max_tokens(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    if not text.isdigit() or not text.isascii() or int(text) < 1:
        return f"Max tokens must be a whole number above 0 (empty: no limit), not {quoted(text)}."
    return None


def check_timeout(value: str) -> str | None:
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        return f"A timeout is a number of seconds above 0, not {quoted(text)}."
    if not math.isfinite(number) or number <= 0:
        return "A timeout must be above 0 seconds."
    return None


def parse_size(value: str) -> int | None:
    """'20MB', '512KB', '1.5M', '4096' -> bytes (KB = 1024 bytes); None if not a size."""
    match = _SIZE.fullmatch(value.strip())
    if not match:
        return None
    number, unit = match.groups()
    if unit is None:
        return int(number) if number.isdigit() else None
    size = int(float(number) * _UNITS[unit[0].lower()])
    return size


def format_number(value: float) -> str:
    """A number as the user would write it: 10, not 10.0."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def format_size(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return str(size)


def check_size(value: str) -> str | None:
    size = parse_size(value)
    if size is None or size < 1:
        return (
            f"A size in bytes above 0, like 20MB, 512KB or 4096 (KB = 1024 bytes), "
            f"not {quoted(value.strip())}."
        )
    return None


def check_plain_text(value: str) -> str | None:
    if _CONTROL.search(value):
        return "This field cannot contain control characters."
    return None


# ---------------------------------------------------------------------------------------------
# Widgets


class _Check(Validator):
    def __init__(self, check: Check) -> None:
        super().__init__()
        self.check = check

    def validate(self, value: str) -> ValidationResult:
        message = self.check(value)
        return self.success() if message is None else self.failure(message)


#: Before the label of the row that has the focus (the screen's text shows it, not only
#: the cursor, which a terminal may not draw where the eye is).
FOCUS_MARK = "▸"


class RowLabel(Label):
    """The label of a row of the form: "▸ Name" while its field has the focus."""

    def __init__(self, text: str, *, id: str | None = None) -> None:
        self.label_text = text
        super().__init__(self._shown(False), id=id, classes="field-label")

    def _shown(self, focused: bool) -> Content:
        return Content.assemble(f"{FOCUS_MARK} " if focused else "  ", self.label_text)

    def mark(self, focused: bool) -> None:
        """Show (or stop showing) that the row's field has the focus."""
        if self.has_class("-focused") != focused:
            self.set_class(focused, "-focused")
            self.update(self._shown(focused))


class FormField(Vertical):
    """A label and a control on one row, the problem (if any) under it, then a hint.

    `Field` (text) and `ChoiceField` (a name from a list) differ in the control, `input`.
    """

    input: Widget

    def __init__(
        self,
        label: str,
        value: str = "",
        check: Check | None = None,
        *,
        hint: str = "",
        extra: Iterable[Widget] = (),
        below: Iterable[Widget] = (),
        eager: bool = True,
    ) -> None:
        super().__init__(classes="field")
        self.label = label
        self.row_label = RowLabel(label)
        self.check = check
        self.initial = value
        # Fields of a card just added stay quiet until edited or until Save.
        self.eager = eager
        self.error = Static("", classes="field-error", markup=False)
        self.error.display = False
        self.hint = hint
        self.extra = list(extra)
        self.below = list(below)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield self.row_label
            yield self.input
            yield from self.extra
        yield self.error
        yield from self.below
        if self.hint:
            yield Static(plain(self.hint), classes="field-hint")

    def on_resize(self) -> None:
        # A message just appeared (or went) under the focused input: keep it in view.
        if self.input.has_focus:
            self.scroll_visible(animate=False)

    def on_descendant_focus(self) -> None:
        # Bring the message and hints under the input into view with it.
        self.call_after_refresh(self.scroll_visible, animate=False)

    def on_mount(self) -> None:
        self.refresh_check()

    @property
    def value(self) -> str:
        raise NotImplementedError

    def _problem(self, value: str) -> str | None:
        return self.check(value) if self.check else None

    def problem(self) -> str | None:
        return self._problem(self.value)

    def refresh_check(self, force: bool = False) -> str | None:
        """Check the value now; show the message (and mark the input) unless still quiet."""
        if force or self.value != self.initial:
            self.eager = True
        message = self.problem()
        shown = message if self.eager else None
        self.input.set_class(shown is not None, "-invalid")
        self.input.set_class(shown is None, "-valid")
        self.error.update(plain(shown or ""))
        self.error.display = shown is not None
        return message


class Field(FormField):
    """A label and a text input on one row, the problem (if any) under it, then a hint."""

    input: TextInput

    def __init__(
        self,
        label: str,
        value: str = "",
        check: Check | None = None,
        *,
        placeholder: str = "",
        password: bool = False,
        hint: str = "",
        extra: Iterable[Widget] = (),
        below: Iterable[Widget] = (),
        eager: bool = True,
    ) -> None:
        super().__init__(label, value, check, hint=hint, extra=extra, below=below, eager=eager)
        self.input = TextInput(
            value,
            placeholder=placeholder,
            password=password,
            compact=True,
            validators=[_Check(self._problem)],
        )
        self.input.field = self  # type: ignore[attr-defined]

    @property
    def value(self) -> str:
        return self.input.value


class ChoiceField(FormField):
    """A label and a choice among names (a `Select`); "" is the blank choice, `blank`.

    A value that is not among the names (a provider removed, or one settings.toml names
    but does not configure) is not dropped: it stays chosen, listed as "(not configured)",
    and its check says so until another is chosen.
    """

    input: Select[str]

    def __init__(
        self,
        label: str,
        value: str,
        names: Iterable[str],
        check: Check | None = None,
        *,
        blank: str,
        hint: str = "",
        eager: bool = True,
    ) -> None:
        super().__init__(label, value, check, hint=hint, eager=eager)
        self.names: list[str] = []
        self.input = Select(
            self._options(names, value), prompt=blank, value=value or Select.NULL, compact=True
        )
        self.input.field = self  # type: ignore[attr-defined]

    @property
    def value(self) -> str:
        value = self.input.value
        return value if isinstance(value, str) else ""

    def _options(self, names: Iterable[str], value: str) -> list[tuple[Content, str]]:
        self.names = list(dict.fromkeys(name for name in names if name))
        options = [(Content(name), name) for name in self.names]
        if value and value not in self.names:
            options.append((Content.assemble(value, (" (not configured)", "dim")), value))
        return options

    def set_choices(self, names: Iterable[str], value: str | None = None) -> None:
        """Offer `names`, with `value` (by default the current one) still chosen.

        Changed this way, the control posts no `Select.Changed`: that message means the
        user chose.
        """
        value = self.value if value is None else value
        options = self._options(names, value)
        with self.input.prevent(Select.Changed):
            self.input.set_options(options)
            self.input.value = value or Select.NULL
        self.refresh_check()

"""settings.toml: the user's preferences, every one with a default.

The file is the user's: tui-chat reads it, and writes to it only from the settings
screen, changing just the values edited there (settings_edit.py). A missing or empty
file is a valid start. A bad value costs only itself: it is reported with its key and
line and its default is used, while every other key and section is kept; the file is
never moved aside or rewritten because of it. A file that cannot be parsed at all
(not TOML, not UTF-8, unreadable) leaves the app on defaults and is left exactly as it
is; saving over it is refused. What the app remembers by itself (the last model, the
theme picked in the palette) goes to state.toml instead (state.py).
API keys are deliberately absent from every record here: they live in
secrets.toml (see keys.py), so saving settings can never write one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from tui_chat.record import field, record
from tui_chat.store import validate as v
from tui_chat.store.settings_display import DISPLAY_KEYS, DisplaySettings, display_settings
from tui_chat.store.tomlread import SchemaError

MAX_RECENT_MODELS = 10
DEFAULT_DYNASPARK_ENDPOINT = "https://dynaspark.onrender.com/api/generate_response"
_URL_SCHEMES = ("http", "https")
_PROXY_SCHEMES = ("http", "https", "socks4", "socks5", "socks5h")


@record
class ProviderRequest:
    """One provider's own request settings, over [request]'s: a slow local model and a
    fast remote one can both work. None: [request]'s value."""

    connect_timeout: float | None = None
    read_timeout: float | None = None
    #: "" sends this provider's requests directly even when [request] names a proxy.
    proxy: str | None = None


@record
class Backend:
    """A BackendApi server (g4f gui / g4f api)."""

    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    provider: str = ""  # the backend-side provider to ask; "" lets the server choose
    request: ProviderRequest = field(default_factory=ProviderRequest)


@record
class OpenAIEndpoint:
    """An OpenAI-compatible server ([[openai]])."""

    name: str
    base_url: str
    api_key_env: str = ""  # "" means the derived NAME_API_KEY variable
    headers: dict[str, str] = field(default_factory=dict)
    request: ProviderRequest = field(default_factory=ProviderRequest)


@record
class DynasparkSettings:
    """[dynaspark]: the form-post service's endpoint, and whether it is listed."""

    endpoint: str = DEFAULT_DYNASPARK_ENDPOINT
    enabled: bool = True


@record
class RequestDefaults:
    """[request]: what requests send and how long they wait, unless a provider says."""

    system_prompt: str = ""
    temperature: float | None = None  # None: the provider's default
    max_tokens: int | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    proxy: str = ""


#: `[g4f] managed`: "auto" runs a g4f server when none answers (tui_chat/managed.py).
MANAGED_MODES = ("auto", "never")


@record
class G4FSettings:
    """[g4f]: the g4f backend server tui-chat may run itself."""

    managed: str = "auto"


@record
class AttachmentLimits:
    """[attachments]: the largest image and text file a message may carry."""

    max_image_bytes: int = 20 * 1024 * 1024
    max_text_bytes: int = 512 * 1024


def _default_backends() -> list[Backend]:
    return [Backend("g4f", "http://127.0.0.1:8080")]


def _default_openai() -> list[OpenAIEndpoint]:
    return [OpenAIEndpoint("ollama", "http://127.0.0.1:11434/v1")]


@record
class Settings:
    """settings.toml as read: every preference, each with its default."""

    theme: str = "tui-chat-dark"
    default_provider: str = "g4f"
    default_model: str = ""
    #: Open the conversation shown last at start (state.toml remembers which).
    reopen_last: bool = True
    # Read from files of older versions, which kept it here, as a starting point for
    # state.toml's list; never written back to settings.toml.
    recent_models: list[str] = field(default_factory=list)
    backends: list[Backend] = field(default_factory=_default_backends)
    dynaspark: DynasparkSettings = field(default_factory=DynasparkSettings)
    openai: list[OpenAIEndpoint] = field(default_factory=_default_openai)
    request: RequestDefaults = field(default_factory=RequestDefaults)
    attachments: AttachmentLimits = field(default_factory=AttachmentLimits)
    keymap: dict[str, str] = field(default_factory=dict)
    g4f: G4FSettings = field(default_factory=G4FSettings)
    display: DisplaySettings = field(default_factory=DisplaySettings)


#: The keys of a provider's own request settings ([[backends]], [[openai]]).
_PROVIDER_REQUEST = ("connect_timeout", "read_timeout", "proxy")

# Keys the loader understands, per table; anything else is reported and ignored (and kept
# in the file: the settings screen changes only the keys it edits).
_KNOWN: dict[str, set[str]] = {
    "": {"theme", "defaults", "backends", "dynaspark", "openai", "request", "attachments"}
    | {"keymap", "recent_models", "g4f", "display"},
    "defaults": {"provider", "model", "reopen_last"},
    "backends": {"name", "url", "headers", "provider", *_PROVIDER_REQUEST},
    "dynaspark": {"endpoint", "enabled"},
    "openai": {"name", "base_url", "api_key_env", "headers", *_PROVIDER_REQUEST},
    "request": {"system_prompt", "temperature", "max_tokens", *_PROVIDER_REQUEST},
    "attachments": {"max_image_bytes", "max_text_bytes"},
    "g4f": {"managed"},
    "display": DISPLAY_KEYS,
}

#: A problem found in a value: its key path and a sentence (without file and line).
Issue = tuple[v.Where, str]
T = TypeVar("T")


def _check_url(value: str, where: v.Where, schemes: tuple[str, ...], allow_empty: bool) -> str:
    if allow_empty and value == "":
        return value
    parts = urlsplit(value)
    if parts.scheme.lower() not in schemes or not parts.netloc:
        raise v.fail(where, f"a URL starting with {' or '.join(s + '://' for s in schemes)}", value)
    return value


def _url(
    data: dict[str, Any],
    key: str,
    where: v.Where,
    schemes: tuple[str, ...] = _URL_SCHEMES,
    allow_empty: bool = False,
    default: str = "",
) -> str:
    return _check_url(v.string(data, key, where, default), (*where, key), schemes, allow_empty)


def provider_name_problem(name: str) -> str | None:
    """Why this cannot be a provider's name, or None. The one rule, for the loader and
    the settings screen: models are written provider/model, and names show on screen."""
    name = name.strip()
    if not name:
        return "A name is required."
    if "/" in name:
        return "A name cannot contain '/' (models are written provider/model)."
    if any(ord(char) < 32 or 127 <= ord(char) < 160 for char in name):  # C0, DEL, C1
        return "A name cannot contain control characters."
    return None


def _name(item: dict[str, Any], where: v.Where) -> str:
    if "name" not in item:
        raise SchemaError(where, f"{v.format_where(where)} has no name")
    name = v.string(item, "name", where)
    if not name.strip():
        raise v.fail((*where, "name"), "a non-empty name", name)
    problem = provider_name_problem(name)
    if problem is not None:
        raise v.fail((*where, "name"), "a name without '/' or control characters", name)
    return name


def _instead(default: object) -> str:
    """What happens instead of a bad value, said after it."""
    if default is None or default == "" or default == {} or default == []:
        return "it is ignored"
    return f"it is ignored and the default, {v.describe(default)}, is used"


class _Reader:
    """Reads values one at a time, so that a bad one costs only itself."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def get(self, fallback: T, read: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`read(*args, **kwargs)`, or `fallback` (and an issue) when the value is bad."""
        try:
            return read(*args, **kwargs)
        except SchemaError as exc:
            self.bad(exc, _instead(fallback))
            return fallback

    def bad(self, exc: SchemaError, instead: str) -> None:
        self.issues.append((exc.where, f"{exc}; {instead}"))

    def unknown(self, table: dict[str, Any], kind: str, where: v.Where) -> None:
        for key in table:
            if key not in _KNOWN[kind]:
                path = (*where, key)
                self.issues.append((path, f"unknown setting {v.format_where(path)!r} is ignored"))

    def strings(self, data: dict[str, Any], key: str, where: v.Where, what: str) -> dict[str, str]:
        """A table of strings, without the entries that are not strings."""
        table = self.get({}, v.table, data, key, where)
        kept: dict[str, str] = {}
        for name, value in table.items():
            if isinstance(value, str):
                kept[name] = value
            else:
                self.bad(v.fail((*where, key, name), "a string", value), f"this {what} is ignored")
        return kept


@record(frozen=True)
class _Built:
    settings: Settings
    issues: list[Issue]
    #: ("backends" or "openai", name) -> the entry's index in the file's array: the
    #: settings screen changes the entry the loader used, even beside skipped ones.
    positions: dict[tuple[str, str], int]


def build_settings(data: dict[str, Any]) -> _Built:
    """Settings from parsed TOML, with every problem found and where each provider entry is
    in its array (what settings_file and settings_edit read it for)."""
    r = _Reader()
    positions: dict[tuple[str, str], int] = {}
    r.unknown(data, "", ())
    s = Settings()
    s.theme = r.get(s.theme, v.string, data, "theme", (), s.theme)

    defaults = r.get({}, v.table, data, "defaults", ())
    r.unknown(defaults, "defaults", ("defaults",))
    s.default_provider = r.get(
        s.default_provider, v.string, defaults, "provider", ("defaults",), s.default_provider
    )
    s.default_model = r.get(s.default_model, v.string, defaults, "model", ("defaults",))
    s.reopen_last = r.get(
        True, v.boolean, defaults, "reopen_last", ("defaults",), s.reopen_last
    )
    s.recent_models = (r.get(None, v.string_list, data, "recent_models", ()) or [])[
        :MAX_RECENT_MODELS
    ]

    # The sidebar and [defaults] refer to providers by name, so a name must be unique.
    names: dict[str, v.Where] = {}

    def entries(key: str, noun: str, url_key: str) -> list[tuple[dict[str, Any], str, str]] | None:
        """(table, name, url) of each usable entry; None when the key is absent or unusable."""
        if key not in data:
            return None
        items = data[key]
        if not isinstance(items, list):
            r.bad(v.fail((key,), "an array of tables", items), f"the default {noun}s are used")
            return None
        usable = []
        for i, item in enumerate(items):
            where: v.Where = (key, i)
            if not isinstance(item, dict):
                r.bad(v.fail(where, "a table", item), f"this {noun} is skipped")
                continue
            r.unknown(item, key, where)
            try:
                name = _name(item, where)
                if url_key not in item:
                    # Said plainly, at the entry's header: there is no line to point at.
                    r.issues.append(
                        (where, f"{v.format_where(where)} has no {url_key}; this {noun} is skipped")
                    )
                    continue
                url = _url(item, url_key, where)
            except SchemaError as exc:
                r.bad(exc, f"this {noun} is skipped")
                continue
            if name in names:
                r.issues.append(
                    (
                        (*where, "name"),
                        f"the provider name {name!r} is also used by "
                        f"{v.format_where(names[name])}; names must be unique, "
                        f"so this {noun} is skipped",
                    )
                )
                continue
            names[name] = where
            positions[(key, name)] = i
            usable.append((item, name, url))
        return usable

    backends = entries("backends", "backend", "url")
    if backends is not None:
        s.backends = []
        for item, name, url in backends:
            where = ("backends", positions[("backends", name)])
            s.backends.append(
                Backend(
                    name,
                    url,
                    r.strings(item, "headers", where, "header"),
                    r.get("", v.string, item, "provider", where),
                    _provider_request(r, item, where),
                )
            )

    dyn = r.get({}, v.table, data, "dynaspark", ())
    w: v.Where = ("dynaspark",)
    r.unknown(dyn, "dynaspark", w)
    s.dynaspark = DynasparkSettings(
        r.get(
            DEFAULT_DYNASPARK_ENDPOINT,
            _url,
            dyn,
            "endpoint",
            w,
            default=DEFAULT_DYNASPARK_ENDPOINT,
        ),
        r.get(True, v.boolean, dyn, "enabled", w, True),
    )

    endpoints = entries("openai", "endpoint", "base_url")
    if endpoints is not None:
        s.openai = []
        for item, name, url in endpoints:
            where = ("openai", positions[("openai", name)])
            s.openai.append(
                OpenAIEndpoint(
                    name,
                    url,
                    r.get("", v.string, item, "api_key_env", where),
                    r.strings(item, "headers", where, "header"),
                    _provider_request(r, item, where),
                )
            )

    req = r.get({}, v.table, data, "request", ())
    w = ("request",)
    r.unknown(req, "request", w)
    d = RequestDefaults()
    s.request = RequestDefaults(
        system_prompt=r.get("", v.string, req, "system_prompt", w),
        temperature=r.get(None, v.number, req, "temperature", w, None),
        max_tokens=r.get(None, v.integer, req, "max_tokens", w, None, minimum=1),
        connect_timeout=r.get(
            d.connect_timeout, v.number, req, "connect_timeout", w, d.connect_timeout, True
        )
        or d.connect_timeout,
        read_timeout=r.get(d.read_timeout, v.number, req, "read_timeout", w, d.read_timeout, True)
        or d.read_timeout,
        proxy=r.get("", _url, req, "proxy", w, _PROXY_SCHEMES, True),
    )

    att = r.get({}, v.table, data, "attachments", ())
    w = ("attachments",)
    r.unknown(att, "attachments", w)
    a = AttachmentLimits()
    s.attachments = AttachmentLimits(
        max_image_bytes=r.get(
            a.max_image_bytes, v.integer, att, "max_image_bytes", w, a.max_image_bytes
        )
        or 0,
        max_text_bytes=r.get(
            a.max_text_bytes, v.integer, att, "max_text_bytes", w, a.max_text_bytes
        )
        or 0,
    )
    s.keymap = r.strings(data, "keymap", (), "key binding")
    s.g4f = _g4f_settings(r, data)
    s.display = display_settings(r, data)
    if isinstance(defaults.get("provider"), str):
        problem = _default_provider_problem(s)
        if problem:
            r.issues.append((("defaults", "provider"), problem))
    return _Built(s, r.issues, positions)


def _provider_request(r: _Reader, item: dict[str, Any], where: v.Where) -> ProviderRequest:
    """A provider entry's own timeouts and proxy; a bad one is reported and [request]'s
    is used instead, the entry and its other values kept."""

    def read(read: Callable[..., Any], key: str, *args: Any) -> Any:
        if key not in item:
            return None
        try:
            return read(item, key, where, *args)
        except SchemaError as exc:
            r.bad(exc, f"it is ignored and [request]'s {key} is used")
            return None

    return ProviderRequest(
        connect_timeout=read(v.number, "connect_timeout", None, True),
        read_timeout=read(v.number, "read_timeout", None, True),
        proxy=read(_url, "proxy", _PROXY_SCHEMES, True),
    )


def _managed_mode(data: dict[str, Any], key: str, where: v.Where) -> str:
    value = v.string(data, key, where, "auto")
    if value not in MANAGED_MODES:
        raise v.fail((*where, key), '"auto" or "never"', value)
    return value


def _g4f_settings(r: _Reader, data: dict[str, Any]) -> G4FSettings:
    """[g4f]: whether tui-chat runs a g4f server itself when none answers."""
    table = r.get({}, v.table, data, "g4f", ())
    r.unknown(table, "g4f", ("g4f",))
    return G4FSettings(managed=r.get("auto", _managed_mode, table, "managed", ("g4f",)))


#: The built-in provider's name (catalog.py lists it when [dynaspark] is enabled).
DYNASPARK = "Dynaspark"


def configured_providers(settings: Settings) -> list[str]:
    """The names of the providers these settings make, in the sidebar's order."""
    dynaspark = [DYNASPARK] if settings.dynaspark.enabled else []
    return [
        *(b.name for b in settings.backends),
        *dynaspark,
        *(e.name for e in settings.openai),
    ]


def _default_provider_problem(settings: Settings) -> str | None:
    """Why [defaults] provider (as written in the file) names no provider, or None.

    Said rather than silently passed over: the app then starts with another model (the
    catalog's `default_choice`: the most recent model still configured, else the first
    provider), and the user should know why. "" means "the first provider": no problem.
    """
    name = settings.default_provider
    names = configured_providers(settings)
    if not name or name in names:
        return None
    if names:
        instead = (
            f"the most recently used model, or else the first provider ({names[0]!r}), is used"
        )
    else:
        instead = "no provider is configured at all"
    if name == DYNASPARK and not settings.dynaspark.enabled:
        return (
            f"the default provider {name!r} is turned off ([dynaspark] enabled = false); {instead}"
        )
    return f"the default provider {name!r} is not configured; {instead}"


def default_provider_problem(settings: Settings) -> str | None:
    """The sentence the loader reports when [defaults] provider names no provider of
    settings.toml's, or None. A provider from a plugin is not known here (the store
    loads no code): the catalog takes that report back (catalog.settled_problems)."""
    return _default_provider_problem(settings)


def settings_from_dict(data: dict[str, Any]) -> tuple[Settings, list[Issue]]:
    """Settings from parsed TOML, and a problem per bad or unknown key; never raises.

    A bad value is replaced by its default, a provider entry without a usable name or
    URL (or with a name already used) is skipped; everything else is kept.
    """
    built = build_settings(data)
    return built.settings, built.issues

"""settings.toml: the user's preferences, every one with a default.

A missing or empty file is a valid start. A file that does not parse, or has
a value of the wrong type, is moved aside (never overwritten) and the app
runs on defaults, telling the user where the file went and what was wrong.
API keys are deliberately absent from every dataclass here: they live in
secrets.toml (see keys.py), so saving settings can never write one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tui_chat.store import validate as v
from tui_chat.store.atomic import atomic_write, move_aside
from tui_chat.store.errors import StoreError, StoreProblem, os_reason
from tui_chat.store.paths import Paths
from tui_chat.store.tomlread import SchemaError, decode_utf8, find_line, parse_toml
from tui_chat.store.tomlwrite import toml_key, toml_string, toml_value

MAX_RECENT_MODELS = 10
DEFAULT_DYNASPARK_ENDPOINT = "https://dynaspark.onrender.com/api/generate_response"
_URL_SCHEMES = ("http", "https")
_PROXY_SCHEMES = ("http", "https", "socks4", "socks5", "socks5h")


@dataclass
class Backend:
    """A BackendApi server (g4f gui / g4f api)."""

    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    provider: str = ""  # the backend-side provider to ask; "" lets the server choose


@dataclass
class OpenAIEndpoint:
    name: str
    base_url: str
    api_key_env: str = ""  # "" means the derived NAME_API_KEY variable
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class DynasparkSettings:
    endpoint: str = DEFAULT_DYNASPARK_ENDPOINT
    enabled: bool = True


@dataclass
class RequestDefaults:
    system_prompt: str = ""
    temperature: float | None = None  # None: the provider's default
    max_tokens: int | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    proxy: str = ""


@dataclass
class AttachmentLimits:
    max_image_bytes: int = 20 * 1024 * 1024
    max_text_bytes: int = 512 * 1024


def _default_backends() -> list[Backend]:
    return [Backend("g4f", "http://127.0.0.1:8080")]


def _default_openai() -> list[OpenAIEndpoint]:
    return [OpenAIEndpoint("ollama", "http://127.0.0.1:11434/v1")]


@dataclass
class Settings:
    theme: str = "tui-chat-dark"
    default_provider: str = "g4f"
    default_model: str = ""
    recent_models: list[str] = field(default_factory=list)
    backends: list[Backend] = field(default_factory=_default_backends)
    dynaspark: DynasparkSettings = field(default_factory=DynasparkSettings)
    openai: list[OpenAIEndpoint] = field(default_factory=_default_openai)
    request: RequestDefaults = field(default_factory=RequestDefaults)
    attachments: AttachmentLimits = field(default_factory=AttachmentLimits)
    keymap: dict[str, str] = field(default_factory=dict)

    def remember_model(self, provider: str, model: str) -> None:
        """Make provider/model the default and the first of the recent models."""
        entry = f"{provider}/{model}"
        self.recent_models = [entry, *(m for m in self.recent_models if m != entry)]
        del self.recent_models[MAX_RECENT_MODELS:]
        self.default_provider = provider
        self.default_model = model


# Keys the loader understands, per table; anything else is reported and ignored.
_KNOWN: dict[str, set[str]] = {
    "": {
        "theme",
        "defaults",
        "backends",
        "dynaspark",
        "openai",
        "request",
        "attachments",
        "keymap",
        "recent_models",
    },
    "defaults": {"provider", "model"},
    "backends": {"name", "url", "headers", "provider"},
    "dynaspark": {"endpoint", "enabled"},
    "openai": {"name", "base_url", "api_key_env", "headers"},
    "request": {
        "system_prompt",
        "temperature",
        "max_tokens",
        "connect_timeout",
        "read_timeout",
        "proxy",
    },
    "attachments": {"max_image_bytes", "max_text_bytes"},
}


def _check_url(value: str, where: v.Where, schemes: tuple[str, ...], allow_empty: bool) -> str:
    if allow_empty and value == "":
        return value
    parts = urlsplit(value)
    if parts.scheme.lower() not in schemes or not parts.netloc:
        raise v.fail(where, f"a URL starting with {' or '.join(s + '://' for s in schemes)}", value)
    return value


def _name(item: dict[str, Any], where: v.Where) -> str:
    name = v.string(item, "name", where)
    if not name.strip():
        raise v.fail((*where, "name"), "a non-empty name", name)
    return name


def settings_from_dict(data: dict[str, Any]) -> tuple[Settings, list[tuple[v.Where, str]]]:
    """Build Settings from parsed TOML; raises SchemaError. Also returns unknown key paths."""
    unknown: list[tuple[v.Where, str]] = []

    def note_unknown(table: dict[str, Any], kind: str, where: v.Where) -> None:
        for key in table:
            if key not in _KNOWN[kind]:
                unknown.append(((*where, key), key))

    note_unknown(data, "", ())
    s = Settings()
    s.theme = v.string(data, "theme", (), s.theme)
    defaults = v.table(data, "defaults", ())
    note_unknown(defaults, "defaults", ("defaults",))
    s.default_provider = v.string(defaults, "provider", ("defaults",), s.default_provider)
    s.default_model = v.string(defaults, "model", ("defaults",), s.default_model)
    recent = v.string_list(data, "recent_models", ())
    if recent is not None:
        s.recent_models = recent[:MAX_RECENT_MODELS]

    names: dict[str, v.Where] = {}

    def claim(name: str, where: v.Where) -> None:
        # The sidebar and [defaults] refer to providers by name, so a name must be unique.
        if name in names:
            raise SchemaError(
                (*where, "name"), f"the provider name {name!r} is used twice; names must be unique"
            )
        names[name] = where

    backends = v.table_list(data, "backends", ())
    if backends is not None:
        s.backends = []
        for i, item in enumerate(backends):
            where: v.Where = ("backends", i)
            note_unknown(item, "backends", where)
            name = _name(item, where)
            claim(name, where)
            url = _check_url(v.string(item, "url", where), (*where, "url"), _URL_SCHEMES, False)
            s.backends.append(
                Backend(
                    name,
                    url,
                    v.string_table(item, "headers", where),
                    v.string(item, "provider", where),
                )
            )

    dyn = v.table(data, "dynaspark", ())
    note_unknown(dyn, "dynaspark", ("dynaspark",))
    endpoint = v.string(dyn, "endpoint", ("dynaspark",), DEFAULT_DYNASPARK_ENDPOINT)
    _check_url(endpoint, ("dynaspark", "endpoint"), _URL_SCHEMES, False)
    s.dynaspark = DynasparkSettings(endpoint, v.boolean(dyn, "enabled", ("dynaspark",), True))

    endpoints = v.table_list(data, "openai", ())
    if endpoints is not None:
        s.openai = []
        for i, item in enumerate(endpoints):
            where = ("openai", i)
            note_unknown(item, "openai", where)
            name = _name(item, where)
            claim(name, where)
            base_url = _check_url(
                v.string(item, "base_url", where), (*where, "base_url"), _URL_SCHEMES, False
            )
            s.openai.append(
                OpenAIEndpoint(
                    name,
                    base_url,
                    v.string(item, "api_key_env", where),
                    v.string_table(item, "headers", where),
                )
            )

    req = v.table(data, "request", ())
    w: v.Where = ("request",)
    note_unknown(req, "request", w)
    d = RequestDefaults()
    s.request = RequestDefaults(
        system_prompt=v.string(req, "system_prompt", w),
        temperature=v.number(req, "temperature", w, None),
        max_tokens=v.integer(req, "max_tokens", w, None, minimum=1),
        connect_timeout=v.number(req, "connect_timeout", w, d.connect_timeout, positive=True)
        or d.connect_timeout,
        read_timeout=v.number(req, "read_timeout", w, d.read_timeout, positive=True)
        or d.read_timeout,
        proxy=_check_url(v.string(req, "proxy", w), (*w, "proxy"), _PROXY_SCHEMES, True),
    )

    att = v.table(data, "attachments", ())
    w = ("attachments",)
    note_unknown(att, "attachments", w)
    a = AttachmentLimits()
    s.attachments = AttachmentLimits(
        max_image_bytes=v.integer(att, "max_image_bytes", w, a.max_image_bytes) or 0,
        max_text_bytes=v.integer(att, "max_text_bytes", w, a.max_text_bytes) or 0,
    )
    s.keymap = v.string_table(data, "keymap", ())
    return s, unknown


def load_settings(paths: Paths) -> tuple[Settings, list[StoreProblem]]:
    """Read settings.toml. Never raises: problems come back as StoreProblems beside defaults."""
    path = paths.settings_file
    name = path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings(), []
    except OSError as exc:
        # Not moved aside: the file may be fine and merely unreadable right now.
        return Settings(), [
            StoreProblem(path, f"Could not read {path}: {os_reason(exc)}. Defaults are in use.")
        ]

    text, reason, line = decode_utf8(raw)
    data: dict[str, Any] | None = None
    if text is not None:
        data, reason, line = parse_toml(text)
    if data is not None:
        try:
            settings, unknown = settings_from_dict(data)
        except SchemaError as exc:
            reason, line = str(exc), find_line(text or "", exc.where)
        else:
            problems = [
                StoreProblem(
                    path,
                    _located(name, find_line(text or "", where))
                    + f"unknown setting {v.format_where(where)!r} is ignored"
                    " (and dropped when tui-chat next saves its settings).",
                    find_line(text or "", where),
                )
                for where, _key in unknown
            ]
            return settings, problems

    moved = move_aside(path)
    if moved is not None:
        tail = f"It was moved aside to {moved.name}; defaults are in use."
    else:
        tail = "It could not be moved aside, so it was left as it is; defaults are in use."
    message = f"{_located(name, line)}{reason}. {tail}"
    return Settings(), [StoreProblem(path, message, line, moved)]


def _located(name: str, line: int | None) -> str:
    return f"{name} line {line}: " if line else f"{name}: "


def settings_to_toml(settings: Settings) -> str:
    """The settings in the documented hand-written layout (top-level keys before tables)."""
    s = settings
    out = [
        f"theme = {toml_string(s.theme)}",
        f"recent_models = {toml_value(s.recent_models[:MAX_RECENT_MODELS])}",
        "",
        "[defaults]",
        f"provider = {toml_string(s.default_provider)}",
        f"model = {toml_string(s.default_model)}",
    ]
    if not s.backends:
        # An explicit empty array, so "no backends" is not read back as "the default backend".
        out.insert(2, "backends = []")
    for b in s.backends:
        out += ["", "[[backends]]", f"name = {toml_string(b.name)}", f"url = {toml_string(b.url)}"]
        if b.provider:
            out.append(f"provider = {toml_string(b.provider)}")
        if b.headers:
            out.append(f"headers = {toml_value(b.headers)}")
    out += [
        "",
        "[dynaspark]",
        f"endpoint = {toml_string(s.dynaspark.endpoint)}",
        f"enabled = {toml_value(s.dynaspark.enabled)}",
    ]
    if not s.openai:
        out.insert(2, "openai = []")
    for e in s.openai:
        out += [
            "",
            "[[openai]]",
            f"name = {toml_string(e.name)}",
            f"base_url = {toml_string(e.base_url)}",
        ]
        if e.api_key_env:
            out.append(f"api_key_env = {toml_string(e.api_key_env)}")
        if e.headers:
            out.append(f"headers = {toml_value(e.headers)}")
    r = s.request
    out += ["", "[request]", f"system_prompt = {toml_string(r.system_prompt)}"]
    if r.temperature is not None:
        out.append(f"temperature = {toml_value(float(r.temperature))}")
    if r.max_tokens is not None:
        out.append(f"max_tokens = {int(r.max_tokens)}")
    out += [
        f"connect_timeout = {toml_value(float(r.connect_timeout))}",
        f"read_timeout = {toml_value(float(r.read_timeout))}",
        f"proxy = {toml_string(r.proxy)}",
        "",
        "[attachments]",
        f"max_image_bytes = {int(s.attachments.max_image_bytes)}",
        f"max_text_bytes = {int(s.attachments.max_text_bytes)}",
        "",
        "[keymap]",
    ]
    out += [f"{toml_key(k)} = {toml_string(keys)}" for k, keys in s.keymap.items()]
    return "\n".join(out) + "\n"


def save_settings(paths: Paths, settings: Settings) -> None:
    """Write settings.toml atomically; raises StoreError with a user sentence on failure."""
    path = paths.settings_file
    text = settings_to_toml(settings)
    try:
        if not paths.config_dir.exists():
            paths.config_dir.mkdir(parents=True, mode=0o700)
        atomic_write(path, text)
    except StoreError as exc:
        cause = exc.__cause__
        reason = os_reason(cause) if isinstance(cause, OSError) else str(exc)
        raise StoreError(
            f"Could not save settings to {path}: {reason}. They are kept in memory; try again.",
            path,
        ) from cause
    except OSError as exc:
        raise StoreError(
            f"Could not save settings to {path}: {os_reason(exc)}. "
            "They are kept in memory; try again.",
            path,
        ) from exc

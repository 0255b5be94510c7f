"""Provider plugins: providers that come from other packages or from the user's folder.

Two ways in (docs/providers.md says how to write one):

- a package declares an entry point in the group `tui_chat.providers`, naming a provider
  class (or a module, or a list of classes);
- a user puts a Python file in `<config>/providers/`; its provider classes (those listed
  in `PROVIDERS`, else every public class defined there with `create_async_generator`)
  are loaded.

A plugin is somebody else's code, so nothing it does may stop tui-chat or the other
providers: a plugin that fails to import, that is not a provider, or whose name is taken
is left out and reported (`Plugins.problems`); one that raises while listing its models
or yields something that is neither text nor an event is reported once at run time
(`PluginReports`), the stream's bad item skipped with a note under the answer.

Nothing here imports Textual. Plugins are loaded once per process and config folder:
an edited plugin file takes effect at the next start.
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple, get_args

from . import providers  # (its classes on first use: none at start-up without a plugin)
from .providers.errors import ProviderError
from .providers.masking import Secrets, mask, mask_error, mask_event

#: The entry-point group a package declares its providers in.
ENTRY_POINT_GROUP = "tui_chat.providers"
#: The folder under the config folder for the user's own provider files.
PROVIDERS_FOLDER = "providers"

if TYPE_CHECKING:
    from .providers.base import AsyncGeneratorProvider, ModelInfo
    from .providers.events import Event

#: The class attributes of the contract, and what each must be (checked at load, so a
#: wrong one is reported by name rather than failing somewhere later).
_ATTRIBUTE_TYPES: dict[str, tuple[type, ...]] = {
    "label": (str,),
    "url": (str,),
    "api_key_env": (str,),
    "needs_auth": (bool,),
    "continues_answers": (bool,),
    "picks_default_model": (bool,),
    "lists_vision": (bool,),
    "accepts_unlisted_models": (bool,),
    "upstream_providers": (bool,),
    "max_images": (int, type(None)),
    "default_model": (str,),
    "default_vision_model": (str,),
    "models": (list, tuple),
    "vision_models": (list, tuple),
    "model_aliases": (dict,),
    "headers": (dict,),
}
#: What an adapted class (one that does not subclass the base) keeps of its own.
_COPIED = (
    *_ATTRIBUTE_TYPES,
    "working",
    "supports_stream",
    "supports_system_message",
    "supports_message_history",
)


# Named tuples, not frozen dataclasses: as immutable, compared and printed alike, and
# made without compiling methods from source (~5 M instructions each at start-up).
class Plugin(NamedTuple):
    """A provider class a plugin brought, and where it came from (for messages)."""

    provider: type[AsyncGeneratorProvider]
    #: "the package tui-chat-echo 0.1.0 (entry point 'echo')" or "the file /…/echo.py".
    source: str

    @property
    def name(self) -> str:
        return self.provider.name()


class PluginProblem(NamedTuple):
    """A plugin left out: which (its entry point's or file's name), from where, and why."""

    plugin: str
    source: str
    reason: str

    def __str__(self) -> str:
        return plugin_message(self.plugin, self.source, self.reason)


def plugin_message(plugin: str, source: str, reason: str) -> str:
    """How a plugin's problem is said, in the app's notifications and on stderr."""
    reason = reason.rstrip()
    if reason and reason[-1] not in ".!?":
        reason += "."
    return f"Provider plugin {plugin!r} ({source}): {reason} The other providers work as usual."


class Plugins(NamedTuple):
    """What loading the plugins gave: the providers, in load order, and the problems."""

    providers: list[Plugin]
    problems: list[PluginProblem]


class PluginReports:
    """Problems found while the app runs, each said once: `take()` gives the new ones."""

    def __init__(self, reports: Iterable[str] = ()) -> None:
        self._all: list[str] = []
        self._taken = 0
        for report in reports:
            self.add(report)

    def add(self, report: str) -> None:
        if report not in self._all:
            self._all.append(report)

    def take(self) -> list[str]:
        """The reports not taken before."""
        new = self._all[self._taken :]
        self._taken = len(self._all)
        return new

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._all))

    def __len__(self) -> int:
        return len(self._all)


# --- loading ---------------------------------------------------------------------------

_CACHE: dict[tuple[str, bool], Plugins] = {}


def providers_dir(config_dir: Path) -> Path:
    """Where a user's own provider files go."""
    return config_dir / PROVIDERS_FOLDER


def load_plugins(
    config_dir: Path | None, *, entry_points: bool = True, again: bool = False
) -> Plugins:
    """The plugin providers: the packages' (when `entry_points`), then the files in
    `<config_dir>/providers/` (when given). Never raises. Loaded once per process and
    folder (`again` loads them anew)."""
    key = (str(config_dir) if config_dir is not None else "", entry_points)
    if not again and key in _CACHE:
        return _CACHE[key]
    found = Plugins([], [])
    if entry_points:
        _from_entry_points(found)
    if config_dir is not None:
        _from_folder(providers_dir(config_dir), found)
    _CACHE[key] = found
    return found


def _from_entry_points(found: Plugins) -> None:
    if not _may_declare_entry_points():
        return  # the common case, without importing importlib.metadata (~20 ms)
    from importlib.metadata import entry_points

    try:
        points = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda point: point.name)
    except Exception as error:  # a broken installation's metadata
        found.problems.append(
            PluginProblem("?", "the installed packages", f"could not be listed: {_said(error)}")
        )
        return
    for point in points:
        dist = getattr(point, "dist", None)
        package = f"the package {dist.name} {dist.version}" if dist is not None else "a package"
        source = f"{package}, entry point {point.name!r}"
        try:
            loaded = point.load()
        except (Exception, SystemExit) as error:
            found.problems.append(
                PluginProblem(point.name, source, f"could not be imported: {_said(error)}")
            )
            continue
        _add(found, point.name, source, loaded)


def _may_declare_entry_points() -> bool:
    """Whether any package on sys.path may declare a `tui_chat.providers` entry point:
    their entry_points.txt files are read directly, which costs far less than
    importlib.metadata. A path entry that is not a folder (a zip) cannot be read this
    way: then the answer is yes."""
    marker = f"[{ENTRY_POINT_GROUP}]"
    for entry in sys.path:
        folder = entry or "."
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                return True
            continue
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(folder, name, "entry_points.txt"), encoding="utf-8") as f:
                    if marker in f.read():
                        return True
            except (OSError, UnicodeDecodeError):
                continue
    return False


def _from_folder(folder: Path, found: Plugins) -> None:
    try:
        files = sorted(
            path
            for path in folder.iterdir()
            if path.suffix == ".py" and not path.name.startswith(("_", "."))
        )
    except FileNotFoundError:
        return
    except OSError as error:
        found.problems.append(
            PluginProblem(folder.name, f"the folder {folder}", f"could not be read: {error}")
        )
        return
    for path in files:
        source = f"the file {path}"
        try:
            module = _import_file(path)
        except (Exception, SystemExit) as error:
            found.problems.append(
                PluginProblem(path.name, source, f"could not be imported: {_said(error)}")
            )
            continue
        _add(found, path.name, source, module)


def _import_file(path: Path) -> ModuleType:
    """Import one provider file as a module of its own (in sys.modules, so that what it
    defines, dataclasses included, works as in any module)."""
    import hashlib  # here, not at start-up (the app starts without it)
    digest = hashlib.sha1(str(path.parent).encode()).hexdigest()[:10]
    stem = "".join(char if char.isalnum() else "_" for char in path.stem)
    name = f"tui_chat_user_providers_{digest}.{stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError("not a Python file that can be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _add(found: Plugins, plugin: str, source: str, loaded: object) -> None:
    """The provider classes in what a plugin gave (a class, a module, a list of them)."""
    try:
        classes = _classes(loaded)
    except PluginRefused as refused:
        found.problems.append(PluginProblem(plugin, source, str(refused)))
        return
    taken = {item.name for item in found.providers}
    for klass in classes:
        label = getattr(klass, "__name__", repr(klass))
        try:
            provider = checked_provider(klass)
        except PluginRefused as refused:
            found.problems.append(PluginProblem(f"{plugin}:{label}", source, str(refused)))
            continue
        if provider.name() in taken:
            found.problems.append(
                PluginProblem(
                    provider.name(),
                    source,
                    "another plugin already has this name; this one is left out",
                )
            )
            continue
        taken.add(provider.name())
        found.providers.append(Plugin(provider, source))


class PluginRefused(Exception):
    """Why something a plugin gave is not a provider tui-chat can use."""


def _classes(loaded: object) -> list[type]:
    if isinstance(loaded, ModuleType):
        listed = getattr(loaded, "PROVIDERS", None)
        if listed is not None:
            return _classes(listed)
        classes = [
            value
            for name, value in vars(loaded).items()
            if isinstance(value, type)
            and value.__module__ == loaded.__name__
            and not name.startswith("_")
            and _defines_generator(value)
        ]
        if not classes:
            raise PluginRefused(
                "it defines no provider: a class with a create_async_generator classmethod "
                "(see docs/providers.md)"
            )
        return classes
    if isinstance(loaded, type):
        return [loaded]
    if isinstance(loaded, list | tuple) and loaded:
        classes = [item for item in loaded if isinstance(item, type)]
        if len(classes) == len(loaded):
            return classes
    raise PluginRefused(
        f"it gives {_kind(loaded)}, not a provider class (or a module or list of them)"
    )


def _defines_generator(klass: type) -> bool:
    method = getattr(klass, "create_async_generator", None)
    if not callable(method):
        return False
    base = providers.AsyncGeneratorProvider.create_async_generator
    return getattr(method, "__func__", method) is not getattr(base, "__func__", base)


def checked_provider(klass: type) -> type[AsyncGeneratorProvider]:
    """The class as a provider of the contract (providers/base.py), or PluginRefused
    saying what is wrong. A class of the same shape that does not subclass the base
    (as g4f's providers) gets a subclass of the base that calls it."""
    if not _defines_generator(klass):
        raise PluginRefused("it has no create_async_generator classmethod")
    for name, types in _ATTRIBUTE_TYPES.items():
        value = getattr(klass, name, None)
        if value is None and name != "max_images":
            continue
        if not isinstance(value, types) or (name == "max_images" and isinstance(value, bool)):
            wanted = " or ".join("None" if t is type(None) else t.__name__ for t in types)
            raise PluginRefused(f"its {name} should be a {wanted}, not {_kind(value)}")
    provider = klass if issubclass(klass, providers.AsyncGeneratorProvider) else _adapted(klass)
    from .store.settings import provider_name_problem

    problem = provider_name_problem(provider.name())
    if problem is not None:
        raise PluginRefused(f"its name {provider.name()!r} cannot be used: {problem}")
    return provider


def _adapted(klass: type) -> type[AsyncGeneratorProvider]:
    attributes: dict[str, Any] = {
        name: getattr(klass, name) for name in _COPIED if getattr(klass, name, None) is not None
    }
    attributes.setdefault("label", klass.__name__)
    attributes["__doc__"] = klass.__doc__
    attributes["__module__"] = klass.__module__
    attributes["wrapped"] = klass

    def create_async_generator(cls: type, *args: Any, **kwargs: Any) -> Any:
        return klass.create_async_generator(*args, **kwargs)

    attributes["create_async_generator"] = classmethod(create_async_generator)
    own_listing = getattr(klass, "list_models", None)
    get_models = getattr(klass, "get_models", None)
    if callable(own_listing):

        async def list_models(cls: type, **kwargs: Any) -> Any:
            return await own_listing(**kwargs)

        attributes["list_models"] = classmethod(list_models)
    elif callable(get_models):

        async def list_models(cls: type, **kwargs: Any) -> Any:
            # g4f's get_models() is synchronous and may go to the network: in a thread.
            return await asyncio.to_thread(get_models)

        attributes["list_models"] = classmethod(list_models)
    bases = (providers.ProviderModelMixin, providers.AsyncGeneratorProvider)
    return type(klass.__name__, bases, attributes)


# --- running ------------------------------------------------------------------------------


def checked_models(plugin: str, listed: object) -> list[ModelInfo]:
    """A plugin's model list as the catalog keeps it: `ModelInfo`s, a name being taken as
    a ModelInfo of that name. Anything else raises PluginRefused saying what it was."""
    if not isinstance(listed, list | tuple):
        raise PluginRefused(f"its list_models gave {_kind(listed)}, not a list of models")
    models: list[ModelInfo] = []
    for item in listed:
        if isinstance(item, providers.ModelInfo):
            models.append(item)
        elif isinstance(item, str) and item:
            models.append(providers.ModelInfo(item, item))
        else:
            raise PluginRefused(
                f"its list_models gave {_kind(item)} in the list, not a model (a ModelInfo "
                "or a name)"
            )
    return models


async def guarded_stream(
    plugin: str,
    source: str,
    reports: PluginReports,
    start: Callable[[], Any],
    secrets: Secrets = (),
) -> AsyncIterator[str | Event]:
    """A plugin's answer, kept to the contract: text and known events pass; anything
    else is skipped, with a note under the answer and a report (once per kind); what is
    not an async generator at all, or an error that is not a `ProviderError`, fails the
    answer with a message naming the plugin. `secrets` (its key, its headers' values)
    are masked out of its events and errors, as the built-in providers' are."""
    try:
        stream = start()
    except ProviderError as error:
        raise mask_error(error, secrets) from None
    except Exception as error:
        raise _failed(plugin, error, secrets) from error
    if not hasattr(stream, "__aiter__"):
        if inspect.iscoroutine(stream):
            stream.close()  # never awaited: closed, so Python does not warn about it
        raise ProviderError(
            f"The provider plugin {plugin!r} is broken: its create_async_generator gave "
            f"{_kind(stream)}, not an async generator.",
            hint="Its author can fix it (see docs/providers.md); other providers work.",
        )
    from .providers.events import Event, Notice  # (not at start-up: backend_api.py)
    skipped: set[str] = set()
    iterator = stream.__aiter__()
    try:
        while True:
            try:
                item = await iterator.__anext__()
            except StopAsyncIteration:
                return
            except ProviderError as error:
                raise mask_error(error, secrets) from None
            except Exception as error:
                raise _failed(plugin, error, secrets) from error
            if isinstance(item, (str, *get_args(Event))):  # text, or an event
                yield mask_event(item, secrets)
                continue
            kind = _kind(item)
            if kind in skipped:
                continue
            skipped.add(kind)
            reports.add(
                plugin_message(
                    plugin,
                    source,
                    f"its answer held {kind}, which is neither text nor an event; it was skipped",
                )
            )
            yield Notice(f"Skipped {kind} from {plugin}: it is neither text nor an event.")
    finally:
        close = getattr(iterator, "aclose", None)
        if close is not None:
            await close()


def _failed(plugin: str, error: Exception, secrets: Secrets = ()) -> ProviderError:
    return ProviderError(
        f"The provider plugin {plugin!r} failed: {mask(_said(error), secrets)}",
        hint="This is a fault in the plugin; other providers work as usual.",
    )


def _said(error: BaseException) -> str:
    """An exception in words: its type, and its message when it has one."""
    text = str(error).strip()
    name = type(error).__name__
    return f"{name}: {text}" if text else name


def _kind(value: object) -> str:
    """What a value is, for a message: "a dict", "None", "the int 3"."""
    if value is None:
        return "None"
    if isinstance(value, bool | int | float):
        return f"the {type(value).__name__} {value!r}"
    if isinstance(value, bytes):
        return "bytes"
    name = type(value).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    return f"{article} {name}"

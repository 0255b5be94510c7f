"""Saving settings by changing only what changed, in the user's own settings.toml.

settings.toml is the user's file: comments, order, blank lines and keys tui-chat does not
know are theirs. So a save never writes the file from memory: it re-reads the file from
disk, works out which values differ between the settings the caller started from
(`before`) and the ones it wants (`after`), and changes only those, in place, with tomlkit
(a style-preserving TOML library). A value edited by hand meanwhile, and not changed by
the caller, stays as it is on disk. A file that cannot be parsed is never saved over.

tomlkit costs ~18 ms to import, so it is imported only when saving.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tui_chat.store.errors import StoreError, os_reason
from tui_chat.store.paths import Paths
from tui_chat.store.settings import Backend, OpenAIEndpoint, Settings
from tui_chat.store.settings_file import SettingsFile, read_settings, settings_file_from_text

if TYPE_CHECKING:
    from tomlkit.container import Container
    from tomlkit.toml_document import TOMLDocument

#: For each provider list ("backends", "openai"): the name each entry of `after` had in
#: `before`, or None for an entry that is new. Without it, entries are matched by name.
Origins = Mapping[str, Sequence[str | None]]

_ABSENT = object()  # a key with no value: written as no key at all


def save_settings(
    paths: Paths,
    settings: Settings,
    *,
    before: Settings | None = None,
    origins: Origins | None = None,
) -> SettingsFile:
    """Make settings.toml say `settings`, changing only the values that differ from `before`.

    `before` is what the caller's changes were made to (the settings a form opened with);
    without it, the file as it is on disk now, so every value that differs is written.
    Returns the file as saved. Raises StoreError with a user sentence when the file cannot
    be read or parsed (it is left exactly as it is: saving over it would lose what the user
    wrote) or cannot be written.
    """
    path = paths.settings_file
    current = read_settings(paths)
    if current.unusable:
        where = f"{path.name} line {current.line}" if current.line else path.name
        raise StoreError(
            f"Not saved: {where}: {current.unusable}. Saving would overwrite what you wrote "
            f"there, so {path} was left as it is: fix it in an editor, then save again.",
            path,
        )
    text = edit_settings_text(
        current.text,
        current.settings if before is None else before,
        settings,
        positions=current.positions,
        origins=origins,
    )
    if text == current.text:
        return current  # nothing changed: the file is not touched
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # never expected; never write a broken file
        raise StoreError(
            f"Not saved: the changed settings would not be valid TOML ({exc}); "
            f"{path} was left as it is.",
            path,
        ) from exc
    try:
        if not paths.config_dir.exists():
            paths.config_dir.mkdir(parents=True, mode=0o700)
        from tui_chat.store.atomic import atomic_write

        atomic_write(path, text)
    except StoreError as exc:
        cause = exc.__cause__
        reason = os_reason(cause) if isinstance(cause, OSError) else str(exc)
        raise StoreError(f"Could not save settings to {path}: {reason}.", path) from cause
    except OSError as exc:
        raise StoreError(f"Could not save settings to {path}: {os_reason(exc)}.", path) from exc
    return settings_file_from_text(path, text)


def edit_settings_text(
    text: str,
    before: Settings,
    after: Settings,
    *,
    positions: Mapping[tuple[str, str], int] | None = None,
    origins: Origins | None = None,
) -> str:
    """`text` (a settings.toml) with the values that differ between `before` and `after`
    changed, and nothing else. `positions`: ("backends", name) -> index of the entry in the
    file's array (from `read_settings`); entries are found by name without it."""
    import tomlkit

    doc = tomlkit.parse(text)
    if positions is None:
        positions = _positions_in(doc)
    b, a = before, after
    _top(doc, "theme", b.theme, a.theme)
    _values(
        doc,
        "defaults",
        {
            "provider": (b.default_provider, a.default_provider),
            "model": (b.default_model, a.default_model),
            "reopen_last": (b.reopen_last, a.reopen_last),
        },
    )
    _values(doc, "display", {"images": (b.display.images, a.display.images)})
    _values(doc, "g4f", {"managed": (b.g4f.managed, a.g4f.managed)})
    br, ar = b.request, a.request
    _values(
        doc,
        "request",
        {
            "system_prompt": (br.system_prompt, ar.system_prompt),
            "temperature": (_float(br.temperature), _float(ar.temperature)),
            "max_tokens": (_optional(br.max_tokens), _optional(ar.max_tokens)),
            "connect_timeout": (float(br.connect_timeout), float(ar.connect_timeout)),
            "read_timeout": (float(br.read_timeout), float(ar.read_timeout)),
            "proxy": (br.proxy, ar.proxy),
        },
    )
    ba, aa = b.attachments, a.attachments
    _values(
        doc,
        "attachments",
        {
            "max_image_bytes": (int(ba.max_image_bytes), int(aa.max_image_bytes)),
            "max_text_bytes": (int(ba.max_text_bytes), int(aa.max_text_bytes)),
        },
    )
    _values(
        doc,
        "dynaspark",
        {
            "endpoint": (b.dynaspark.endpoint, a.dynaspark.endpoint),
            "enabled": (b.dynaspark.enabled, a.dynaspark.enabled),
        },
    )
    keys = set(b.keymap) | set(a.keymap)
    _values(
        doc,
        "keymap",
        {k: (b.keymap.get(k, _ABSENT), a.keymap.get(k, _ABSENT)) for k in sorted(keys)},
    )
    origins = origins or {}
    _providers(
        doc,
        "backends",
        b.backends,
        a.backends,
        origins.get("backends"),
        positions,
        _backend_fields,
    )
    _providers(
        doc,
        "openai",
        b.openai,
        a.openai,
        origins.get("openai"),
        positions,
        _openai_fields,
    )
    return _same_end(text, tomlkit.dumps(doc))


def _same_end(original: str, edited: str) -> str:
    """A table added at the end of the file ends as the file did (no blank lines piled up)."""
    body = edited.rstrip("\n")
    if not body:
        return edited
    ending = len(original) - len(original.rstrip("\n"))
    return body + "\n" * max(ending, 1)


# ---- values -----------------------------------------------------------------------------


def _optional(value: object) -> object:
    return _ABSENT if value is None else value


def _float(value: float | None) -> object:
    return _ABSENT if value is None else float(value)


def _item(value: object) -> Any:
    """A tomlkit value written by tui-chat's own emitter (its escaping is known correct:
    control characters and DEL as \\u escapes, every string a one-line basic string)."""
    import tomlkit

    from tui_chat.store.tomlwrite import toml_value

    return tomlkit.value(toml_value(value))


def _is_table(item: object) -> bool:
    return isinstance(item, Mapping)


def _top(doc: TOMLDocument, key: str, old: object, new: object) -> None:
    if old != new:
        doc[key] = _item(new)


def _values(doc: TOMLDocument, name: str, pairs: Mapping[str, tuple[object, object]]) -> None:
    """Set (or, for _ABSENT, remove) each key of table `name` whose value changed."""
    changed = {key: new for key, (old, new) in pairs.items() if old != new}
    if not changed:
        return
    table = doc.get(name)
    if not _is_table(table):
        if all(new is _ABSENT for new in changed.values()):
            return  # only removals, from a table that is not there
        import tomlkit

        if table is not None:
            # A bad value where a table belongs (`request = 5`): the loader ignored it, and
            # the user has now set this section in the form.
            del doc[name]
        table = tomlkit.table()
        doc.add(name, table)
    _apply(table, changed)


def _apply(table: Any, changed: Mapping[str, object]) -> None:
    for key, new in changed.items():
        if new is _ABSENT:
            if key in table:
                del table[key]
        else:
            table[key] = _item(new)


# ---- provider lists ---------------------------------------------------------------------


def _backend_fields(entry: Backend) -> dict[str, object]:
    return {
        "name": entry.name,
        "url": entry.url,
        "provider": entry.provider or _ABSENT,
        "headers": dict(entry.headers) or _ABSENT,
    }


def _openai_fields(entry: OpenAIEndpoint) -> dict[str, object]:
    return {
        "name": entry.name,
        "base_url": entry.base_url,
        "api_key_env": entry.api_key_env or _ABSENT,
        "headers": dict(entry.headers) or _ABSENT,
    }


def _positions_in(doc: TOMLDocument) -> dict[tuple[str, str], int]:
    from tui_chat.store.settings_file import settings_positions

    return settings_positions(doc.unwrap())


def _providers(
    doc: TOMLDocument,
    key: str,
    before: Sequence[Any],
    after: Sequence[Any],
    origins: Sequence[str | None] | None,
    positions: Mapping[tuple[str, str], int],
    fields: Callable[[Any], dict[str, object]],
) -> None:
    """Apply to the array `key` the entries added, removed, renamed or edited."""
    import tomlkit
    from tomlkit.items import AoT

    old_names = {entry.name for entry in before}
    if origins is None:
        origins = [entry.name if entry.name in old_names else None for entry in after]
    by_name = {entry.name: entry for entry in before}
    identity = list(origins) == [entry.name for entry in after]
    if identity and [fields(e) for e in before] == [fields(e) for e in after]:
        return
    array = doc.get(key)
    if not isinstance(array, list):
        # Absent (the defaults were in use) or not an array (ignored when loaded): the
        # list the user now has is written whole.
        if array is not None:
            del doc[key]
        _write_whole(doc, key, [fields(entry) for entry in after])
        return
    kept = {origin for origin in origins if origin is not None}
    removed = sorted(
        (positions[(key, name)] for name in old_names - kept if (key, name) in positions),
        reverse=True,
    )
    added: list[dict[str, object]] = []
    for entry, origin in zip(after, origins, strict=True):
        new = fields(entry)
        if origin is None or origin not in by_name:
            added.append(new)
            continue
        old = fields(by_name[origin])
        changed = {k: v for k, v in new.items() if old.get(k, _ABSENT) != v}
        index = positions.get((key, origin))
        if index is None:
            # Gone from the file (removed or broken by hand while the form was open): put
            # back only if the form changed it, so that neither side's edit is lost.
            if changed:
                added.append(new)
            continue
        _apply(array[index], changed)
    for index in removed:
        del array[index]
    inline = not isinstance(array, AoT)
    for new in added:
        if inline:
            array.append(_item({k: v for k, v in new.items() if v is not _ABSENT}))
        else:
            _append_table(array, new)
    if len(array) == 0:
        # An empty [[key]] list would read back as "absent", that is the default providers.
        doc[key] = tomlkit.array()


def _table_of(values: Mapping[str, object]) -> Any:
    import tomlkit

    table = tomlkit.table()
    for k, v in values.items():
        if v is not _ABSENT:
            table.add(k, _item(v))
    return table


def _append_table(array: Any, values: Mapping[str, object]) -> None:
    """Add a [[table]] after the last one, separated from what follows by a blank line."""
    import tomlkit

    table = _table_of(values)
    if len(array):
        _end_with_blank_line(array[-1])
    table.add(tomlkit.nl())
    array.append(table)


def _end_with_blank_line(table: Any) -> None:
    import tomlkit

    text = table.as_string()
    for _ in range(2 - (len(text) - len(text.rstrip("\n")))):
        table.add(tomlkit.nl())


def _write_whole(doc: TOMLDocument | Container, key: str, entries: list[dict[str, object]]) -> None:
    import tomlkit

    if not entries:
        doc[key] = tomlkit.array()  # "none", unlike an absent key
        return
    array = tomlkit.aot()
    for values in entries:
        array.append(_table_of(values))
    doc.append(key, array)

"""A conversation's file name, from an id checked to name nothing outside the folder; stamps."""

from __future__ import annotations

import os
import re

from tui_chat.store.index import Stamp

SUFFIX = ".toml"
# Ids become file names, so they must not be able to name anything outside the folder.
_VALID_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def validate_id(conversation_id: str) -> str:
    if not isinstance(conversation_id, str) or not _VALID_ID.fullmatch(conversation_id):
        raise ValueError(f"invalid conversation id {conversation_id!r}")
    return conversation_id


def stamp_of(st: os.stat_result) -> Stamp:
    """The stamp of a file's version: (st_ino, st_mtime_ns, st_size)."""
    return (st.st_ino, st.st_mtime_ns, st.st_size)

"""Textual's text fields, acting on typed keys in typing order (key_order.py says why)."""

from __future__ import annotations

from textual.widgets import Input, TextArea

from .key_order import KeysInOrder


class TextInput(KeysInOrder, Input):
    """A one-line field (Textual's Input) that keeps typing order."""


class TextEditor(KeysInOrder, TextArea):
    """A multi-line field (Textual's TextArea) that keeps typing order."""

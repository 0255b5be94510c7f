"""The chat screen and its parts (see screen.py)."""

from .screen import ChatScreen

__all__ = ["ChatScreen"]

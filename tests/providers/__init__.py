"""Tests of the providers package (tui_chat.providers)."""

"""tui-chat: a full-screen terminal chat client for language-model providers."""

__version__ = "0.1.0"

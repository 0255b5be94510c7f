"""tui-chat's storage layer: settings, API keys and conversations on disk.

Pure storage: nothing here imports Textual or the providers, so it can be
used (and tested) without a terminal or a network.
"""

from tui_chat.store.atomic import atomic_write
from tui_chat.store.conversation_store import ConversationStore
from tui_chat.store.conversations import (
    SCHEMA_VERSION,
    Attachment,
    Conversation,
    ConversationSummary,
    Message,
)
from tui_chat.store.errors import (
    ConversationCorrupt,
    ConversationNotFound,
    StoreError,
    StoreProblem,
)
from tui_chat.store.journal import AnswerJournal
from tui_chat.store.keys import api_key_for, env_var_for, load_secrets, save_secret
from tui_chat.store.paths import Paths
from tui_chat.store.settings import (
    AttachmentLimits,
    Backend,
    DynasparkSettings,
    OpenAIEndpoint,
    RequestDefaults,
    Settings,
)
from tui_chat.store.settings_edit import save_settings
from tui_chat.store.settings_file import SettingsFile, load_settings, read_settings
from tui_chat.store.state import State, load_state, save_state

__all__ = [
    "SCHEMA_VERSION",
    "AnswerJournal",
    "Attachment",
    "AttachmentLimits",
    "Backend",
    "Conversation",
    "ConversationCorrupt",
    "ConversationNotFound",
    "ConversationStore",
    "ConversationSummary",
    "DynasparkSettings",
    "Message",
    "OpenAIEndpoint",
    "Paths",
    "RequestDefaults",
    "Settings",
    "SettingsFile",
    "State",
    "StoreError",
    "StoreProblem",
    "api_key_for",
    "atomic_write",
    "env_var_for",
    "load_secrets",
    "load_settings",
    "load_state",
    "read_settings",
    "save_secret",
    "save_settings",
    "save_state",
]

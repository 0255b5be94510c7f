"""The command palette: every action of the app, with its key where it has one.

The entries are the actions of actions.ACTIONS that have a palette title.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .actions import Action, palette_actions

if TYPE_CHECKING:
    from .app import ChatApp


class ChatCommands(Provider):
    @property
    def chat_app(self) -> ChatApp:
        return self.app  # type: ignore[return-value]

    async def _run(self, action: Action) -> None:
        # The chat's actions run on the chat screen (also when the palette was opened over
        # a dialog), the app-wide ones on the app.
        chat = self.chat_app.chat
        namespace = self.chat_app if action.on_app else chat
        if not await self.chat_app.run_action(action.action, namespace) and not action.on_app:
            # Not allowed now (retry with nothing to retry...): say why, as its key does.
            reason = chat.why_not(action.action)
            if reason:
                chat.notify(reason, markup=False, timeout=4)

    def _title(self, title: str, action_id: str) -> str:
        keys = self.chat_app.keys_for(action_id)
        return f"{title}  ({keys})" if keys else title

    async def discover(self) -> Hits:
        for action in palette_actions():
            yield DiscoveryHit(
                self._title(action.title, action.id),
                partial(self._run, action),
                help=action.help,
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in palette_actions():
            shown = self._title(action.title, action.id)
            score = matcher.match(shown)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(shown),
                    partial(self._run, action),
                    help=action.help,
                )

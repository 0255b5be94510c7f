"""Searching conversations: through the search index (fts.py), or by reading the files."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui_chat.store.conversations import ConversationSummary

# search.py and fts*.py are imported where they are used: start-up needs none.
if TYPE_CHECKING:
    from tui_chat.store.conversation_store import ConversationStore
    from tui_chat.store.fts import SearchIndex
    from tui_chat.store.fts_find import SearchListing
    from tui_chat.store.search import SearchHit


class Searching:
    """The part of ConversationStore that searches the conversations and keeps their
    search index up to date."""

    def search(self: ConversationStore, query: str) -> list[ConversationSummary]:
        """Conversations whose title or any message contains `query`, ignoring case and
        accents; all of them for an empty query."""
        if not query:
            return self.list()[0]
        return [hit.summary for hit in self.find(query)]

    def find(
        self: ConversationStore,
        query: str,
        stop: Callable[[], bool] | None = None,
        partial: Callable[[list[SearchHit]], None] | None = None,
    ) -> list[SearchHit]:
        """Conversations whose title or any message contains `query` (ignoring case and
        accents), newest first, each with the first message that matched and the words
        around the match (search.py). `stop` is asked as it goes: a newer search replaces
        this one. `partial` gets the results found so far while it goes on.

        The search index (fts.py) names the messages that may match; each is checked in
        its file. Files the index does not have as they are now are read whole, and so
        are all of them when the index cannot be used."""
        from tui_chat.store.fts_schema import IndexUnusable
        from tui_chat.store.search import fold, search_summaries

        listing = self._listing_for_search()
        needle = fold(query)
        if not needle:
            return []
        try:
            return self.search_index.find(needle, listing, stop, partial)
        except IndexUnusable:
            return search_summaries(listing.summaries, query, stop)

    @property
    def search_index(self: ConversationStore) -> SearchIndex:
        if self._search_index is None:
            from tui_chat.store.fts import SearchIndex

            self._search_index = SearchIndex(self.paths.search_index_file, self.folder)
        return self._search_index

    def update_search_index(
        self: ConversationStore, stop: Callable[[], bool] | None = None
    ) -> bool:
        """Bring the search index in line with the files: index what is new or changed,
        forget what is gone (the first time, everything: ~25 s for a million messages, in
        steps that are kept if stopped). False when stopped or when it cannot be used."""
        from tui_chat.store.fts_schema import IndexUnusable

        with self._mutex:
            listing = self._listing_for_search()
            updated = {s.id: s.updated.timestamp() for s in listing.summaries}
        try:
            done = self.search_index.update(listing.stamps, updated, stop)
            if done:
                self.search_index.warm()
            return done
        except IndexUnusable:
            return False

    def _listing_for_search(self: ConversationStore) -> SearchListing:
        """Every conversation, newest first, and the stamp of each file as listed: listed
        again only when the folder changed (a search per key typed must not stat every
        file of a decade of history), and worked out again only when the list changed."""
        from tui_chat.store.fts_find import SearchListing

        with self._mutex:
            if self._index is None or self._raw_index is not None or self.changed_on_disk():
                self.list()
            kept = self._search_listing
            if kept is not None and kept[0] == self._changes:
                return kept[1]
            index = self._index or {}
            listing = SearchListing(
                self._summaries_of(index), {cid: e.stamp for cid, e in index.items()}
            )
            self._search_listing = (self._changes, listing)
            return listing

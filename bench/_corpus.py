"""A decade of saved conversations for bench/decade.py: 20,000 conversations holding
1,000,000 messages, made once and kept (the folder is reused while its recipe is the same).

Sizes vary the way a long-time user's do: most conversations have a few messages, some
a few hundred, a handful thousands, and one has 100,000 (bench/history.py's messages,
with its markers, so that the open benchmark can find its first and newest message on
screen). Words follow a Zipf law over common English words, with a long tail of rare
made-up words, some accented words (Crème brûlée, Zürich, São Paulo, naïve, Straße…),
code blocks in some answers, and a few planted words the search benchmark looks for.
Files are written with the store's own encoder, as the app writes them, and the index
a previous session leaves is written too.
"""

from __future__ import annotations

import itertools
import json
import random
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

NEWEST = "Newest bench conversation"  # bench/_startup_apps.py waits for this title
RECIPE = 3  # bump when what is generated changes: a kept corpus is then made again

_COMMON_TEXT = """the of and to a in is it you that he was for on are with as I his they be at one
have this from or had by not word but what some we can out other were all there when up use
your how said an each she which do their time if will way about many then them write would
like so these her long make thing see him two has look more day could go come did number
sound no most people my over know water than call first who may down side been now find any
new work part take get place made live where after back little only round man year came show
every good me give our under name very through just form sentence great think say help low
line differ turn cause much mean before move right boy old too same tell does set three want
air well also play small end put home read hand port large spell add even land here must big
high such follow act why ask men change went light kind off need house picture try us again
animal point mother world near build self earth father head stand own page should country
found answer school grow study still learn plant cover food sun four between state keep eye
never last let thought city tree cross farm hard start might story saw far sea draw left
late run while press close night real life few north open seem together next white children
begin got walk example ease paper group always music those both mark often letter until mile
river car feet care second book carry took science eat room friend began idea fish mountain
stop once base hear horse cut sure watch color face wood main enough plain girl usual young
ready above ever red list though feel talk bird soon body dog family direct pose leave song
measure door product black short numeral class wind question happen complete ship area half
rock order fire south problem piece told knew pass since top whole king space heard best hour
better true during hundred five remember step early hold west ground interest reach fast verb
sing listen six table travel less morning ten simple several vowel toward war lay against
pattern slow center love person money serve appear road map rain rule govern pull cold notice
voice unit power town fine certain fly fall lead cry dark machine note wait plan figure star
box noun field rest correct able pound done beauty drive stood contain front teach week final
gave green oh quick develop ocean warm free minute strong special mind behind clear tail
produce fact street inch multiply nothing course stay wheel full force blue object decide
surface deep moon island foot system busy test record boat common gold possible plane stead
dry wonder laugh thousand ago ran check game shape equate hot miss brought heat snow tire
bring yes distant fill east paint language among python function model server request error
file data value list string return import class module config token stream answer prompt"""
COMMON = _COMMON_TEXT.split()

ACCENTED = ("Crème brûlée", "Zürich", "São Paulo", "naïve", "Straße", "café", "résumé",
            "façade", "Ångström", "jalapeño", "Malmö", "Dvořák", "Kraków", "piñata", "déjà vu")

#: Planted words, and how many messages each is put in (the search benchmark's queries).
PLANTED = {"quetzalcoatlus": 12, "marzipanologist": 300}

_SYLLABLE_TEXT = ("ka ri to mu sen lor vin dra pel quo zan bet fi gor hul nix ost pra sil tem "
              "ur vex wal yor zep")
_SYLLABLES = _SYLLABLE_TEXT.split()


def _made_up_words(rng: random.Random, count: int) -> list[str]:
    words = set()
    while len(words) < count:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


class Words:
    """Words drawn from a Zipf law: common words first, then a tail of rare ones."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        vocabulary = COMMON + _made_up_words(rng, 20_000)
        # The made-up tail is rarer than a Zipf law's own tail: ~10% of the words.
        weights = [
            (1 if rank < len(COMMON) else 0.3) / (rank + 1) ** 1.05
            for rank in range(len(vocabulary))
        ]
        self.vocabulary = vocabulary
        self.cumulative = list(itertools.accumulate(weights))

    def take(self, count: int) -> list[str]:
        rng = self.rng
        words = rng.choices(self.vocabulary, cum_weights=self.cumulative, k=count)
        if rng.random() < 0.04:  # an accented word now and then
            words[rng.randrange(count)] = rng.choice(ACCENTED)
        return words


def _sentences(words: Words, count: int) -> str:
    rng = words.rng
    out = []
    taken = words.take(count)
    at = 0
    while at < count:
        n = min(count - at, rng.randint(5, 16))
        sentence = " ".join(taken[at : at + n])
        out.append(sentence[:1].upper() + sentence[1:] + rng.choice(".....?!"))
        at += n
    return " ".join(out)


def user_text(words: Words) -> str:
    return _sentences(words, max(3, int(words.rng.lognormvariate(2.5, 0.6))))


def answer_text(words: Words) -> str:
    rng = words.rng
    parts = [_sentences(words, max(8, int(rng.lognormvariate(3.9, 0.7))))]
    if rng.random() < 0.2:
        names = words.take(6)
        parts.append(
            "```python\n"
            + "\n".join(f"{names[k]}_{k} = {names[k - 1]}({k})" for k in range(rng.randint(2, 6)))
            + "\n```"
        )
    if rng.random() < 0.25:
        parts.append("\n".join(f"- **{w}**: {_sentences(words, 8)}" for w in words.take(3)))
    return "\n\n".join(parts)


def sizes(rng: random.Random, conversations: int, total: int) -> list[int]:
    """Message counts of `conversations` conversations adding up to `total`: most small,
    a long tail (log-normal), each at least 2."""
    raw = [rng.lognormvariate(2.6, 1.1) for _ in range(conversations)]
    scale = (total - 2 * conversations) / sum(raw)
    counts = [2 + int(r * scale) for r in raw]
    short = total - sum(counts)
    for i in rng.sample(range(conversations), abs(short)) if short else ():
        counts[i] += 1 if short > 0 else -1 if counts[i] > 2 else 0
    counts[0] += total - sum(counts)  # whatever rounding left
    return counts


def folder_for(root: Path, conversations: int, messages: int, huge: int) -> Path:
    return root / f"bench-decade-r{RECIPE}-{conversations}-{messages}-{huge}"


def generate(folder: Path, conversations: int, messages: int, huge: int) -> dict:
    """Write the corpus into folder/config (settings are the caller's); returns what the
    benchmarks need to know (the huge conversation's id, the newest title…), also kept in
    folder/corpus.json. Skipped when folder/corpus.json exists."""
    manifest_file = folder / "corpus.json"
    if manifest_file.exists():
        return json.loads(manifest_file.read_text())
    from history import make_conversation  # bench/history.py: markers the open waits for

    from tui_chat.store import Conversation, ConversationStore, Message, Paths
    from tui_chat.store.codec import encode

    if folder.exists():
        shutil.rmtree(folder)
    t0 = time.perf_counter()
    paths = Paths.resolve(folder / "config")
    paths.ensure()
    rng = random.Random(20_000)
    words = Words(rng)
    counts = sizes(rng, conversations - 1, messages - huge)
    # The huge one somewhere in the middle of the decade, not among the newest.
    huge_at = conversations // 3
    counts.insert(huge_at, huge)
    start = datetime(2016, 1, 1, tzinfo=UTC)
    step = timedelta(days=3650) / conversations
    planted = {word: set(rng.sample(range(messages), n)) for word, n in PLANTED.items()}
    ordinal = 0  # the message's number in the whole corpus, for the planted words
    written = 0
    huge_id = ""
    for i, count in enumerate(counts):
        when = start + step * i
        if i == huge_at:
            conversation = make_conversation(count)
            conversation.created = when
            conversation.updated = when + timedelta(seconds=20 * count)
            for k, message in enumerate(conversation.messages):
                message.created = when + timedelta(seconds=20 * k)
            huge_id = conversation.id
            ordinal += count
        else:
            items = []
            for k in range(count):
                role = "user" if k % 2 == 0 else "assistant"
                text = user_text(words) if role == "user" else answer_text(words)
                for word, chosen in planted.items():
                    if ordinal in chosen:
                        text += f" And then the {word} again."
                ordinal += 1
                items.append(
                    Message(
                        role,
                        text,
                        created=when + timedelta(seconds=40 * k),
                        provider="" if role == "user" else "bench",
                        model="" if role == "user" else "m",
                    )
                )
            first = items[0].content
            title = " ".join(first.split()[:6]).rstrip(".?!")
            if i == len(counts) - 1:
                title = NEWEST
            conversation = Conversation(
                title=title, created=when, updated=when + timedelta(seconds=40 * count),
                provider="bench", model="m", messages=items,
            )  # fmt: skip
        data = encode(conversation)
        (paths.conversations_dir / f"{conversation.id}.toml").write_bytes(data)
        written += len(data)
        if i % 2000 == 1999:
            print(f"  … {i + 1:,} conversations, {written / 1e6:.0f} MB, "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)  # fmt: skip
    ConversationStore(paths).list()  # the index a previous session leaves
    manifest = {
        "conversations": conversations,
        "messages": messages,
        "huge": huge,
        "huge_id": huge_id,
        "bytes": written,
        "seconds": time.perf_counter() - t0,
    }
    manifest_file.write_text(json.dumps(manifest))
    return manifest

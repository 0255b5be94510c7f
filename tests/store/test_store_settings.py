from __future__ import annotations

import copy
import errno
import os

import pytest

from tui_chat.store import (
    Backend,
    OpenAIEndpoint,
    Paths,
    Settings,
    StoreError,
    load_settings,
    read_settings,
    save_settings,
)
from tui_chat.store.settings import ProviderRequest, provider_name_problem

DOCUMENTED = '''\
theme = "tui-chat-dark"

[defaults]
provider = "local"          # a provider name as the sidebar shows it
model = "gpt-4o-mini"

[[backends]]                # BackendApi servers (g4f gui / g4f api)
name = "local"
url = "http://127.0.0.1:8080"
# provider = "PollinationsAI"   optional: the backend-side provider to ask
# headers = { "X-Foo" = "bar" }

[dynaspark]
endpoint = "https://dynaspark.onrender.com/api/generate_response"
# enabled = true

[[openai]]                  # OpenAI-compatible endpoints
name = "ollama"
base_url = "http://127.0.0.1:11434/v1"
# api_key_env = "OLLAMA_API_KEY"

[request]
system_prompt = ""
# temperature = 0.7         (absent = provider default)
# max_tokens = 1024
connect_timeout = 10.0
read_timeout = 120.0
proxy = ""

[attachments]
max_image_bytes = 20971520
max_text_bytes = 524288

[keymap]                    # binding id = keys
# "model.picker" = "ctrl+o"
'''


def write(paths: Paths, text: str | bytes) -> None:
    data = text.encode() if isinstance(text, str) else text
    paths.settings_file.write_bytes(data)


def corrupt_files(paths: Paths) -> list[str]:
    return sorted(p.name for p in paths.config_dir.iterdir() if ".corrupt-" in p.name)


def test_no_file_gives_the_default_providers(paths: Paths) -> None:
    settings, problems = load_settings(paths)
    assert problems == []
    assert settings.backends == [Backend("g4f", "http://127.0.0.1:8080")]
    assert settings.dynaspark.enabled
    assert settings.dynaspark.endpoint == "https://dynaspark.onrender.com/api/generate_response"
    assert settings.openai == [OpenAIEndpoint("ollama", "http://127.0.0.1:11434/v1")]
    assert settings.default_provider == "g4f"
    assert settings == Settings()


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file_is_a_valid_start(paths: Paths, text: str) -> None:
    write(paths, text)
    settings, problems = load_settings(paths)
    assert settings == Settings() and problems == []
    assert paths.settings_file.exists()


def test_documented_example_loads(paths: Paths) -> None:
    # recent_models must be a top-level key, so place it before the tables.
    write(paths, 'recent_models = ["g4f/gpt-4o-mini"]\n' + DOCUMENTED)
    settings, problems = load_settings(paths)
    assert problems == []
    assert settings.default_provider == "local"
    assert settings.default_model == "gpt-4o-mini"
    assert settings.backends == [Backend("local", "http://127.0.0.1:8080")]
    assert settings.openai == [OpenAIEndpoint("ollama", "http://127.0.0.1:11434/v1")]
    assert settings.request.temperature is None and settings.request.max_tokens is None
    assert settings.attachments.max_text_bytes == 524288
    assert settings.recent_models == ["g4f/gpt-4o-mini"]
    assert settings.keymap == {}


def test_every_field_round_trips(paths: Paths) -> None:
    s = Settings()
    s.theme = 'my "theme"'
    s.backends = [
        Backend("local", "http://127.0.0.1:8080", {"X-Foo": "bar", "Auth": 'a"b\\c'},
                "PollinationsAI"),
        Backend("remote", "https://g4f.example.org"),
    ]
    s.dynaspark.enabled = False
    s.openai = [OpenAIEndpoint("ollama", "http://127.0.0.1:11434/v1", "MY_KEY", {"A": "b"})]
    s.request.system_prompt = 'Be brief.\nUse "quotes" and \\ and """ and emoji 😀 and \x7f'
    s.request.temperature = 0.7
    s.request.max_tokens = 1024
    s.request.connect_timeout = 3.5
    s.request.read_timeout = 60
    s.request.proxy = "socks5://127.0.0.1:9050"
    s.attachments.max_image_bytes = 1
    s.attachments.max_text_bytes = 2
    s.keymap = {"model.picker": "ctrl+o", "app.quit": "ctrl+q"}
    s.default_provider, s.default_model = "ollama", "llama3"
    s.reopen_last = False
    s.display.images = "sixel"
    s.g4f.managed = "never"
    save_settings(paths, s)
    loaded, problems = load_settings(paths)
    assert problems == []
    assert loaded == s


def test_empty_provider_lists_stay_empty(paths: Paths) -> None:
    s = Settings(backends=[], openai=[])
    save_settings(paths, s)
    loaded, problems = load_settings(paths)
    assert problems == [] and loaded.backends == [] and loaded.openai == []
    assert paths.settings_file.read_text() == "backends = []\nopenai = []\n"


def test_saving_what_is_on_disk_does_not_touch_the_file(paths: Paths) -> None:
    write(paths, DOCUMENTED)
    before = os.stat(paths.settings_file).st_mtime_ns
    settings, _ = load_settings(paths)
    save_settings(paths, settings, before=settings)
    save_settings(paths, settings)
    assert paths.settings_file.read_text() == DOCUMENTED
    assert os.stat(paths.settings_file).st_mtime_ns == before
    # No file and nothing changed: none is created.
    paths.settings_file.unlink()
    save_settings(paths, Settings())
    assert not paths.settings_file.exists()


def test_one_change_keeps_comments_order_and_formatting(paths: Paths) -> None:
    write(paths, DOCUMENTED)
    before, _ = load_settings(paths)
    after = copy.deepcopy(before)
    after.request.read_timeout = 60.0
    after.request.temperature = 0.3
    save_settings(paths, after, before=before)
    expected = DOCUMENTED.replace(
        "read_timeout = 120.0\n", "read_timeout = 60.0\n"
    ).replace('proxy = ""\n', 'proxy = ""\ntemperature = 0.3\n')
    assert paths.settings_file.read_text() == expected
    assert load_settings(paths)[0] == after


def test_a_value_edited_by_hand_meanwhile_stays(paths: Paths) -> None:
    """The form opened with read_timeout 120; the user set 99 in an editor meanwhile and
    changed only the model in the form: the save keeps 99."""
    write(paths, DOCUMENTED)
    before, _ = load_settings(paths)
    write(paths, DOCUMENTED.replace("read_timeout = 120.0", "read_timeout = 99.0  # mine"))
    after = copy.deepcopy(before)
    after.default_model = "llama3"
    saved = save_settings(paths, after, before=before)
    text = paths.settings_file.read_text()
    assert "read_timeout = 99.0  # mine\n" in text
    assert 'model = "llama3"\n' in text
    assert saved.settings.request.read_timeout == 99.0
    assert saved.settings.default_model == "llama3"


def test_providers_added_removed_renamed_and_edited_in_place(paths: Paths) -> None:
    text = (
        "# providers\n"
        "[[backends]]  # first\n"
        'name = "one"\n'
        'url = "http://one"\n'
        "\n"
        "[[backends]]  # second\n"
        'name = "two"\n'
        'url = "http://two"\n'
        'provider = "Copilot"  # kept\n'
        "\n"
        "[[openai]]\n"
        'name = "oa"\n'
        'base_url = "https://api.example/v1"\n'
        "unknown_key = 1  # mine\n"
    )
    write(paths, text)
    before, _ = load_settings(paths)
    after = copy.deepcopy(before)
    after.backends = [
        Backend("uno", "http://one"),  # renamed
        Backend("three", "http://three", {"X": "y"}),  # added (two is removed)
    ]
    after.openai[0].api_key_env = "OA_KEY"
    save_settings(
        paths, after, before=before, origins={"backends": ["one", None], "openai": ["oa"]}
    )
    assert paths.settings_file.read_text() == (
        "# providers\n"
        "[[backends]]  # first\n"
        'name = "uno"\n'
        'url = "http://one"\n'
        "\n"
        "[[backends]]\n"
        'name = "three"\n'
        'url = "http://three"\n'
        'headers = { X = "y" }\n'
        "\n"
        "[[openai]]\n"
        'name = "oa"\n'
        'base_url = "https://api.example/v1"\n'
        "unknown_key = 1  # mine\n"
        'api_key_env = "OA_KEY"\n'
    )


def test_adding_to_default_providers_writes_the_defaults_too(paths: Paths) -> None:
    # No [[backends]] in the file means the default g4f backend: adding one keeps it.
    write(paths, 'theme = "tui-chat-light"  # mine\n')
    before, _ = load_settings(paths)
    after = copy.deepcopy(before)
    after.backends.append(Backend("more", "http://more"))
    save_settings(paths, after, before=before)
    loaded, problems = load_settings(paths)
    assert problems == [] and loaded == after
    assert paths.settings_file.read_text().startswith('theme = "tui-chat-light"  # mine\n')


def test_recent_models_of_an_old_file_are_read_but_never_written(paths: Paths) -> None:
    write(paths, 'recent_models = ["g4f/a", "g4f/b"]\n[request]\nread_timeout = 5.0\n')
    before, _ = load_settings(paths)
    assert before.recent_models == ["g4f/a", "g4f/b"]
    after = copy.deepcopy(before)
    after.recent_models = ["x/y"]
    after.request.read_timeout = 6.0
    save_settings(paths, after, before=before)
    assert paths.settings_file.read_text() == (
        'recent_models = ["g4f/a", "g4f/b"]\n[request]\nread_timeout = 6.0\n'
    )


def test_a_bad_value_costs_only_itself(paths: Paths) -> None:
    text = (
        'theme = "x"\n'
        "[request]\n"
        'read_timeout = "soon"\n'
        "connect_timeout = 3.0\n"
        "\n"
        "[[openai]]\n"
        'name = "one"\n'
        'base_url = "http://one/v1"\n'
        "\n"
        "[[openai]]\n"
        'name = "two"\n'
        'base_url = "http://two/v1"\n'
    )
    write(paths, text)
    settings, [problem] = load_settings(paths)
    assert settings.theme == "x"
    assert settings.request.read_timeout == 120.0  # the default
    assert settings.request.connect_timeout == 3.0
    assert [e.name for e in settings.openai] == ["one", "two"]
    assert problem.line == 3
    assert problem.message == (
        "settings.toml line 3: expected a number for request.read_timeout, got 'soon'; "
        "it is ignored and the default, 120.0, is used."
    )
    assert problem.moved_to is None
    assert paths.settings_file.read_text() == text
    assert corrupt_files(paths) == []


def test_wrong_type_names_line_and_key(paths: Paths) -> None:
    write(paths, 'theme = "x"\n[request]\ntemperature = "hot"\n')
    settings, [problem] = load_settings(paths)
    assert settings == Settings(theme="x")
    assert problem.line == 3
    assert "request.temperature" in problem.message and "'hot'" in problem.message
    assert problem.message.startswith("settings.toml line 3: expected a number")
    assert str(problem) == problem.message
    assert paths.settings_file.read_text().endswith('"hot"\n')


def test_duplicate_provider_names_skip_the_later_entry(paths: Paths) -> None:
    write(
        paths,
        '[[backends]]\nname = "a"\nurl = "http://a"\n\n'
        '[[openai]]\nname = "b"\nbase_url = "http://b"\n\n'
        '[[openai]]\nname = "a"\nbase_url = "http://a2"\n\n'
        '[[openai]]\nname = "c"\nbase_url = "http://c"\n',
    )
    settings, [problem] = load_settings(paths)
    assert settings.backends == [Backend("a", "http://a")]
    assert [e.name for e in settings.openai] == ["b", "c"]
    assert problem.line == 10
    assert "'a' is also used by backends[0]" in problem.message
    assert "openai[1].name" not in problem.message or "skipped" in problem.message
    assert problem.message.endswith("so this endpoint is skipped.")


def test_entries_without_a_usable_name_or_url_are_skipped(paths: Paths) -> None:
    write(
        paths,
        '[[backends]]\nname = "ok"\nurl = "http://ok"\n\n'
        '[[backends]]\nname = ""\nurl = "http://noname"\n\n'
        '[[backends]]\nname = "nourl"\n\n'
        '[[backends]]\nname = "hdr"\nurl = "http://hdr"\nheaders = { A = "1", B = 2 }\n',
    )
    settings, problems = load_settings(paths)
    assert settings.backends == [
        Backend("ok", "http://ok"),
        Backend("hdr", "http://hdr", {"A": "1"}),  # only the bad header is dropped
    ]
    assert [p.message for p in problems] == [
        "settings.toml line 6: expected a non-empty name for backends[1].name, got ''; "
        "this backend is skipped.",
        "settings.toml line 9: backends[2] has no url; this backend is skipped.",
        "settings.toml line 15: expected a string for backends[3].headers.B, got 2; "
        "this header is ignored.",
    ]


def test_bad_toml_names_the_line_and_leaves_the_file_alone(paths: Paths) -> None:
    data = b'theme = "x"\n\n[request\nproxy = ""\n'
    write(paths, data)
    read = read_settings(paths)
    [problem] = read.problems
    assert read.settings == Settings()
    assert problem.line == 3
    assert problem.message.startswith("settings.toml line 3: it is not valid TOML")
    assert "defaults are in use, and the file is left as it is" in problem.message
    assert problem.moved_to is None and corrupt_files(paths) == []
    assert paths.settings_file.read_bytes() == data


def test_save_over_a_file_that_does_not_parse_is_refused(paths: Paths) -> None:
    data = b'theme = "x"\n\n[request\nproxy = ""\n'
    write(paths, data)
    before, _ = load_settings(paths)
    after = copy.deepcopy(before)
    after.request.temperature = 0.5
    with pytest.raises(StoreError) as info:
        save_settings(paths, after, before=before)
    message = str(info.value)
    assert message.startswith("Not saved: settings.toml line 3: it is not valid TOML")
    assert "fix it in an editor, then save again" in message
    assert paths.settings_file.read_bytes() == data
    assert corrupt_files(paths) == []


def test_not_utf8_is_left_alone(paths: Paths) -> None:
    data = b'theme = "\xff\xfe"\n'
    write(paths, data)
    settings, [problem] = load_settings(paths)
    assert settings == Settings() and "UTF-8" in problem.message and problem.line == 1
    assert paths.settings_file.read_bytes() == data and corrupt_files(paths) == []


def test_truncated_file(paths: Paths) -> None:
    write(paths, DOCUMENTED[: DOCUMENTED.index("11434")])
    _settings, [problem] = load_settings(paths)
    assert problem.moved_to is None and problem.line is not None


@pytest.mark.parametrize(
    ("text", "fragment", "line"),
    [
        ('[[backends]]\nname = "a"\nurl = "ftp://x"\n', "backends[0].url", 4),
        ('[[backends]]\nname = "a"\nurl = "http://x"\n[[openai]]\nname = "a"\n'
         'base_url = "http://y"\n', "also used by", 6),
        ("backends = 5\n", "backends", 2),
        ("[[backends]]\nname = 3\n", "backends[0].name", 3),
        ("[request]\nmax_tokens = true\n", "request.max_tokens", 3),
        ("[request]\nread_timeout = 0\n", "request.read_timeout", 3),
        ("[keymap]\n\"model.picker\" = 1\n", "keymap.model.picker", 3),
        ('recent_models = "x"\n', "recent_models", 2),
        ('[dynaspark]\nenabled = "yes"\n', "dynaspark.enabled", 3),
        ('[request]\nproxy = "nonsense"\n', "request.proxy", 3),
    ],
)
def test_invalid_values(paths: Paths, text: str, fragment: str, line: int) -> None:
    # A good key beside each bad one, which must survive it.
    write(paths, 'theme = "kept"\n' + text)
    settings, [problem] = load_settings(paths)
    assert settings.theme == "kept"
    assert fragment in problem.message
    assert problem.line == line
    assert problem.moved_to is None


def test_second_backend_error_points_at_its_line(paths: Paths) -> None:
    write(paths, '[[backends]]\nname = "a"\nurl = "http://a"\n\n[[backends]]\nname = "b"\n'
                 'url = "gopher://b"\n')
    settings, [problem] = load_settings(paths)
    assert problem.line == 7 and "backends[1].url" in problem.message
    assert settings.backends == [Backend("a", "http://a")]


def test_unknown_keys_are_reported_but_not_fatal(paths: Paths) -> None:
    write(paths, 'theme = "t"\nfuture = 1\n[request]\nsomething = 2\n')
    settings, problems = load_settings(paths)
    assert settings.theme == "t"
    assert [p.line for p in problems] == [2, 4]
    assert all(p.moved_to is None for p in problems)
    assert paths.settings_file.exists()


def test_unknown_keys_survive_a_save(paths: Paths) -> None:
    write(paths, 'future = 1\n[request]\nsomething = 2\n')
    before, _ = load_settings(paths)
    after = copy.deepcopy(before)
    after.request.max_tokens = 10
    save_settings(paths, after, before=before)
    assert paths.settings_file.read_text() == (
        "future = 1\n[request]\nsomething = 2\nmax_tokens = 10\n"
    )


def test_save_failure_is_a_clear_error(paths: Paths, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(StoreError) as info:
        save_settings(paths, Settings(theme="other"))
    assert "Read-only file system" in str(info.value)
    assert str(paths.settings_file) in str(info.value)


def test_a_provider_name_with_a_slash_is_skipped_as_the_settings_screen_refuses_it(
    paths: Paths,
) -> None:
    """One rule for names (settings.provider_name_problem): `a/b` would be read back as
    provider `a`, model `b`, so the loader skips it as the form refuses it."""
    write(
        paths,
        '[[openai]]\nname = "my/local"\nbase_url = "http://x/v1"\n\n'
        '[[openai]]\nname = "fine"\nbase_url = "http://y/v1"\n',
    )
    settings, problems = load_settings(paths)
    assert [endpoint.name for endpoint in settings.openai] == ["fine"]
    assert [p.message for p in problems] == [
        "settings.toml line 2: expected a name without '/' or control characters for "
        "openai[0].name, got 'my/local'; this endpoint is skipped."
    ]
    assert provider_name_problem("my/local") is not None
    assert provider_name_problem(" ok ") is None


def test_an_unknown_default_provider_is_reported_with_its_line(paths: Paths) -> None:
    """[defaults] provider naming no provider is said, not silently passed over (S12)."""
    text = (
        "[defaults]\n"
        'provider = "nosuch"\n'
        'model = "m"\n\n'
        '[[backends]]\nname = "local"\nurl = "http://a"\n'
    )
    write(paths, text)
    settings, [problem] = load_settings(paths)
    assert settings.default_provider == "nosuch"  # kept: the file is the user's
    assert problem.line == 2
    assert problem.message == (
        "settings.toml line 2: the default provider 'nosuch' is not configured; the most "
        "recently used model, or else the first provider ('local'), is used."
    )
    assert paths.settings_file.read_text() == text


def test_a_default_provider_turned_off_or_not_given_is_handled(paths: Paths) -> None:
    write(paths, '[defaults]\nprovider = "Dynaspark"\n\n[dynaspark]\nenabled = false\n')
    _, [problem] = load_settings(paths)
    assert problem.line == 2
    assert "the default provider 'Dynaspark' is turned off ([dynaspark] enabled = false)" in (
        problem.message
    )
    # A provider that exists, "" (the first provider), or no [defaults] at all: nothing.
    for text in (
        '[defaults]\nprovider = "Dynaspark"\n',
        '[defaults]\nprovider = ""\n',
        '[[openai]]\nname = "x"\nbase_url = "http://x/v1"\n',
        '[defaults]\nprovider = "x"\n[[openai]]\nname = "x"\nbase_url = "http://x/v1"\n',
    ):
        write(paths, text)
        assert load_settings(paths)[1] == [], text


# --- a provider's own request settings ----------------------------------------------------


def test_each_provider_entry_may_have_its_own_timeouts_proxy_and_headers(paths: Paths) -> None:
    write(
        paths,
        "[request]\n"
        "read_timeout = 30.0\n"
        'proxy = "http://127.0.0.1:3128"\n'
        "\n"
        "[[openai]]\n"
        'name = "slow-local"\n'
        'base_url = "http://127.0.0.1:11434/v1"\n'
        "read_timeout = 600\n"
        "connect_timeout = 2.5\n"
        'proxy = ""\n'
        "\n"
        "[[openai]]\n"
        'name = "remote"\n'
        'base_url = "https://api.example.com/v1"\n'
        'headers = { "X-Team" = "blue" }\n'
        "\n"
        "[[backends]]\n"
        'name = "g4f"\n'
        'url = "http://127.0.0.1:8080"\n'
        'proxy = "socks5://127.0.0.1:1080"\n',
    )
    settings, problems = load_settings(paths)
    assert problems == []
    slow, remote = settings.openai
    assert slow.request == ProviderRequest(connect_timeout=2.5, read_timeout=600.0, proxy="")
    assert remote.request == ProviderRequest() and remote.headers == {"X-Team": "blue"}
    assert settings.backends[0].request == ProviderRequest(proxy="socks5://127.0.0.1:1080")
    assert settings.request.read_timeout == 30.0  # [request]'s stays for the others


def test_a_bad_provider_setting_costs_only_itself_and_names_its_line(paths: Paths) -> None:
    text = (
        "[[openai]]\n"
        'name = "one"\n'
        'base_url = "http://one/v1"\n'
        'read_timeout = "slow"\n'
        "connect_timeout = 0\n"
        "proxy = 'ftp://nope'\n"
        'headers = { "X-Ok" = "yes" }\n'
        "\n"
        "[[backends]]\n"
        'name = "two"\n'
        'url = "http://two"\n'
        "read_timeout = -1\n"
        "connect_timeout = 4\n"
    )
    write(paths, text)
    settings, problems = load_settings(paths)
    [one] = settings.openai
    assert (one.name, one.base_url, one.headers) == ("one", "http://one/v1", {"X-Ok": "yes"})
    assert one.request == ProviderRequest()
    [two] = settings.backends
    assert two.request == ProviderRequest(connect_timeout=4.0)
    assert [(p.line, p.message) for p in problems] == [
        (
            4,
            "settings.toml line 4: expected a number for openai[0].read_timeout, got 'slow'; "
            "it is ignored and [request]'s read_timeout is used.",
        ),
        (
            5,
            "settings.toml line 5: expected a positive number for openai[0].connect_timeout, "
            "got 0; it is ignored and [request]'s connect_timeout is used.",
        ),
        (
            6,
            "settings.toml line 6: expected a URL starting with http:// or https:// or "
            "socks4:// or socks5:// or socks5h:// for openai[0].proxy, got 'ftp://nope'; it is "
            "ignored and [request]'s proxy is used.",
        ),
        (
            12,
            "settings.toml line 12: expected a positive number for backends[0].read_timeout, "
            "got -1; it is ignored and [request]'s read_timeout is used.",
        ),
    ]
    assert paths.settings_file.read_text() == text


def test_a_providers_own_settings_survive_the_settings_screens_save(paths: Paths) -> None:
    text = (
        "[[openai]]\n"
        'name = "slow"\n'
        'base_url = "http://slow/v1"\n'
        "read_timeout = 600  # a big local model\n"
    )
    write(paths, text)
    before, _ = load_settings(paths)
    after = copy.deepcopy(before)
    after.openai[0].base_url = "http://slower/v1"
    save_settings(paths, after, before=before)
    saved = paths.settings_file.read_text()
    assert "read_timeout = 600  # a big local model" in saved
    assert 'base_url = "http://slower/v1"' in saved
    assert load_settings(paths)[0].openai[0].request.read_timeout == 600.0


def test_display_images_is_validated_with_its_line(tmp_path) -> None:
    """[display] images: one of auto, kitty, sixel, halfcell, off; a bad one is reported
    with its line and "auto" is used."""
    from tui_chat.store import Paths, load_settings

    paths = Paths(tmp_path)
    paths.ensure()
    paths.settings_file.write_text('theme = "x"\n\n[display]\nimages = "pretty"\n')
    settings, problems = load_settings(paths)
    assert settings.display.images == "auto"
    assert [str(p.message) for p in problems] == [
        'settings.toml line 4: expected one of "auto", "kitty", "sixel", "halfcell", "off" '
        "for display.images, got 'pretty'; it is ignored and the default, 'auto', is used."
    ]
    paths.settings_file.write_text('[display]\nimages = "off"\n')
    settings, problems = load_settings(paths)
    assert settings.display.images == "off" and problems == []


def test_reopen_images_and_managed_change_in_place_and_only_when_changed(paths: Paths) -> None:
    """The settings screen's General section: each value is written where the user has
    it (comment kept), a table is added only for a value that changed."""
    text = (
        "[defaults]\n"
        'model = "llama3"   # mine\n'
        "\n"
        "[display]\n"
        'images = "off"     # slow link\n'
    )
    write(paths, text)
    before, _ = load_settings(paths)
    after = copy.deepcopy(before)
    after.display.images = "halfcell"
    save_settings(paths, after, before=before)
    assert paths.settings_file.read_text() == text.replace('"off"    ', '"halfcell"    ')
    before, after = after, copy.deepcopy(after)
    after.reopen_last = False
    after.g4f.managed = "never"
    save_settings(paths, after, before=before)
    assert paths.settings_file.read_text() == (
        "[defaults]\n"
        'model = "llama3"   # mine\n'
        "reopen_last = false\n"
        "\n"
        "[display]\n"
        'images = "halfcell"     # slow link\n'
        "\n"
        "[g4f]\n"
        'managed = "never"\n'
    )
    assert load_settings(paths)[0] == after

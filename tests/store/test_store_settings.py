from __future__ import annotations

import errno
import os
import tomllib

import pytest

from tui_chat.store import (
    Backend,
    OpenAIEndpoint,
    Paths,
    Settings,
    StoreError,
    load_settings,
    save_settings,
    settings_to_toml,
)

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
    s.request.system_prompt = 'Be brief.\nUse "quotes" and \\ and """ and emoji 😀'
    s.request.temperature = 0.7
    s.request.max_tokens = 1024
    s.request.connect_timeout = 3.5
    s.request.read_timeout = 60
    s.request.proxy = "socks5://127.0.0.1:9050"
    s.attachments.max_image_bytes = 1
    s.attachments.max_text_bytes = 2
    s.keymap = {"model.picker": "ctrl+o", "app.quit": "ctrl+q"}
    s.remember_model("local", "gpt-4o-mini")
    s.remember_model("ollama", "llama3")
    save_settings(paths, s)
    loaded, problems = load_settings(paths)
    assert problems == []
    assert loaded == s


def test_empty_provider_lists_stay_empty(paths: Paths) -> None:
    s = Settings(backends=[], openai=[])
    save_settings(paths, s)
    loaded, problems = load_settings(paths)
    assert problems == [] and loaded.backends == [] and loaded.openai == []


def test_recent_models_is_written_before_the_tables(paths: Paths) -> None:
    s = Settings(recent_models=["a/b"])
    text = settings_to_toml(s)
    assert text.index("recent_models") < text.index("[")
    assert tomllib.loads(text)["recent_models"] == ["a/b"]


def test_remember_model_dedupes_and_caps() -> None:
    s = Settings()
    for i in range(15):
        s.remember_model("g4f", f"m{i}")
    s.remember_model("g4f", "m10")
    assert s.recent_models[0] == "g4f/m10"
    assert len(s.recent_models) == 10
    assert len(set(s.recent_models)) == 10
    assert (s.default_provider, s.default_model) == ("g4f", "m10")


def test_wrong_type_is_moved_aside_with_line_and_key(paths: Paths) -> None:
    write(paths, 'theme = "x"\n[request]\ntemperature = "hot"\n')
    settings, problems = load_settings(paths)
    assert settings == Settings()
    [problem] = problems
    assert problem.line == 3
    assert "request.temperature" in problem.message and "'hot'" in problem.message
    assert problem.message.startswith("settings.toml line 3: expected a number")
    assert "defaults are in use" in problem.message
    assert problem.moved_to is not None and problem.moved_to.read_text().endswith('"hot"\n')
    assert problem.moved_to.name in problem.message
    assert str(problem) == problem.message
    assert not paths.settings_file.exists()


def test_bad_toml_reports_tomllib_line(paths: Paths) -> None:
    write(paths, 'theme = "x"\n\n[request\nproxy = ""\n')
    _settings, [problem] = load_settings(paths)
    assert problem.line == 3
    assert "not valid TOML" in problem.message
    assert corrupt_files(paths) == [problem.moved_to.name]


def test_not_utf8_is_moved_aside(paths: Paths) -> None:
    write(paths, b'theme = "\xff\xfe"\n')
    settings, [problem] = load_settings(paths)
    assert settings == Settings() and "UTF-8" in problem.message and problem.line == 1


def test_truncated_file(paths: Paths) -> None:
    write(paths, DOCUMENTED[: DOCUMENTED.index("11434")])
    _settings, [problem] = load_settings(paths)
    assert problem.moved_to is not None and problem.line is not None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[[backends]]\nname = "a"\nurl = "ftp://x"\n', "backends[0].url"),
        ('[[backends]]\nname = "a"\nurl = "http://x"\n[[openai]]\nname = "a"\n'
         'base_url = "http://y"\n', "used twice"),
        ("backends = 5\n", "backends"),
        ("[[backends]]\nname = 3\n", "backends[0].name"),
        ("[request]\nmax_tokens = true\n", "request.max_tokens"),
        ("[request]\nread_timeout = 0\n", "request.read_timeout"),
        ("[keymap]\n\"model.picker\" = 1\n", "keymap.model.picker"),
        ('recent_models = "x"\n', "recent_models"),
        ('[dynaspark]\nenabled = "yes"\n', "dynaspark.enabled"),
        ('[request]\nproxy = "nonsense"\n', "request.proxy"),
    ],
)
def test_invalid_values(paths: Paths, text: str, fragment: str) -> None:
    write(paths, text)
    settings, [problem] = load_settings(paths)
    assert settings == Settings()
    assert fragment in problem.message
    assert problem.line is not None
    assert problem.moved_to is not None


def test_second_backend_error_points_at_its_line(paths: Paths) -> None:
    write(paths, '[[backends]]\nname = "a"\nurl = "http://a"\n\n[[backends]]\nname = "b"\n'
                 'url = "gopher://b"\n')
    _settings, [problem] = load_settings(paths)
    assert problem.line == 7 and "backends[1].url" in problem.message


def test_unknown_keys_are_reported_but_not_fatal(paths: Paths) -> None:
    write(paths, 'theme = "t"\nfuture = 1\n[request]\nsomething = 2\n')
    settings, problems = load_settings(paths)
    assert settings.theme == "t"
    assert [p.line for p in problems] == [2, 4]
    assert all(p.moved_to is None for p in problems)
    assert paths.settings_file.exists()


def test_save_failure_is_a_clear_error(paths: Paths, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(StoreError) as info:
        save_settings(paths, Settings())
    assert "Read-only file system" in str(info.value)
    assert str(paths.settings_file) in str(info.value)

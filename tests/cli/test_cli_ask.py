"""`tui-chat ask`, run for real as a subprocess against a loopback upstream."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time

import pytest

from .conftest import CLI, user_text


def test_plain_ask_prints_the_answer_and_saves_the_exchange(cli: CLI) -> None:
    result = cli.run("ask", "hello", "world")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Echo: hello world\n"
    assert result.stderr == ""
    [request] = cli.requests()
    assert request["model"] == "echo"
    assert request["stream"] is True
    assert request["messages"] == [{"role": "user", "content": "hello world"}]
    [conversation] = cli.conversations()
    assert conversation.title == "hello world"
    assert (conversation.provider, conversation.model) == ("up", "echo")
    user, answer = conversation.messages
    assert (user.role, user.content) == ("user", "hello world")
    assert (answer.role, answer.status) == ("assistant", "complete")
    assert answer.content == "Echo: hello world"
    assert (answer.provider, answer.model) == ("up", "echo")
    assert answer.finish_reason == "stop"
    assert answer.usage["total_tokens"] > 0


def test_piped_stdin_goes_before_the_question(cli: CLI) -> None:
    result = cli.run("ask", "-m", "up/echo", "summarise", input="line one\nline two\n")
    assert result.returncode == 0, result.stderr
    [request] = cli.requests()
    assert user_text(request) == "line one\nline two\n\nsummarise"
    [conversation] = cli.conversations()
    assert conversation.messages[0].content == "line one\nline two\n\nsummarise"
    assert conversation.title == "summarise"


def test_system_prompt_temperature_and_max_tokens_reach_the_server(cli: CLI) -> None:
    result = cli.run(
        "ask", "-p", "up", "-m", "echo", "-s", "Be brief.", "--temperature", "0.3",
        "--max-tokens", "7", "hi",
    )
    assert result.returncode == 0, result.stderr
    [request] = cli.requests()
    assert request["messages"][0] == {"role": "system", "content": "Be brief."}
    assert request["temperature"] == 0.3
    assert request["max_tokens"] == 7
    [conversation] = cli.conversations()
    assert conversation.system_prompt == "Be brief."
    assert conversation.parameters["temperature"] == 0.3
    assert conversation.parameters["max_tokens"] == 7


def test_reasoning_is_hidden_unless_asked_for(cli: CLI) -> None:
    hidden = cli.run("ask", "-m", "reasoner", "why")
    assert hidden.returncode == 0
    assert hidden.stdout == "Echo: why\n"
    assert hidden.stderr == ""
    shown = cli.run("ask", "--no-save", "-m", "reasoner", "--show-reasoning", "why")
    assert shown.returncode == 0
    assert shown.stdout == "Echo: why\n"
    # Plain on a pipe: no escape sequences of ours, and the reasoning ends its line.
    assert shown.stderr == "Thinking about it\n"
    [conversation] = cli.conversations()  # the first one; --no-save kept nothing more
    assert conversation.messages[1].reasoning == "Thinking about it"


def test_continue_sends_the_history_and_extends_the_conversation(cli: CLI) -> None:
    assert cli.run("ask", "first question").returncode == 0
    time.sleep(0.01)
    assert cli.run("ask", "other topic").returncode == 0
    first, other = sorted(cli.conversations(), key=lambda c: c.created)

    by_id = cli.run("ask", "--conversation", first.id, "follow up")
    assert by_id.returncode == 0, by_id.stderr
    again = cli.run("ask", "-c", "and again")  # the most recently updated: `first` now
    assert again.returncode == 0, again.stderr

    requests = cli.requests()
    assert [m["content"] for m in requests[2]["messages"]] == [
        "first question", "Echo: first question", "follow up",
    ]
    assert [m["content"] for m in requests[3]["messages"]][-3:] == [
        "follow up", "Echo: follow up", "and again",
    ]
    conversations = {c.id: c for c in cli.conversations()}
    assert len(conversations) == 2
    assert len(conversations[first.id].messages) == 6
    assert len(conversations[other.id].messages) == 2


def test_no_save_keeps_nothing(cli: CLI) -> None:
    result = cli.run("ask", "--no-save", "secret")
    assert result.returncode == 0
    assert result.stdout == "Echo: secret\n"
    folder = cli.config_dir / "conversations"
    assert not folder.exists() or not any(folder.glob("*.toml"))


def test_unknown_conversation_is_a_usage_error(cli: CLI) -> None:
    result = cli.run("ask", "--conversation", "nosuchid", "hi")
    assert result.returncode == 2
    assert len(result.err_lines) == 1
    assert "nosuchid" in result.stderr
    assert cli.requests() == []


def test_unknown_provider_is_one_line_and_nothing_is_sent(cli: CLI) -> None:
    result = cli.run("ask", "-p", "nowhere", "hi")
    assert result.returncode == 2
    assert result.err_lines == [
        "tui-chat: No provider named 'nowhere' is configured (configured: g4f, up, down)."
    ]
    assert result.stdout == ""
    assert cli.requests() == []
    assert cli.conversations() == []


def test_server_down_is_one_line_and_saved_as_failed(cli: CLI, down_port: int) -> None:
    result = cli.run("ask", "-m", "down/echo", "hi")
    assert result.returncode == 1
    [line] = result.err_lines
    assert line.startswith("tui-chat: down/echo: ")
    assert f"127.0.0.1:{down_port}" in line
    [conversation] = cli.conversations()
    assert conversation.messages[-1].status == "failed"
    assert conversation.messages[-1].error


def test_bad_key_fails_with_one_line(cli: CLI) -> None:
    result = cli.run("ask", "-m", "up/e401", "--no-save", "hi")
    assert result.returncode == 1
    [line] = result.err_lines
    assert "401" in line and "bad key" in line
    assert result.stdout == ""


def test_answer_cut_mid_stream_keeps_what_arrived(cli: CLI) -> None:
    result = cli.run("ask", "-m", "cut", "one two three")
    assert result.returncode == 1
    assert result.stdout == "Echo: one\n"
    assert len(result.err_lines) == 1
    [conversation] = cli.conversations()
    answer = conversation.messages[-1]
    assert (answer.status, answer.content) == ("failed", "Echo: one")


def test_nothing_to_ask_is_a_usage_error(cli: CLI) -> None:
    result = cli.run("ask", input="")
    assert result.returncode == 2
    assert len(result.err_lines) == 1


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGHUP, signal.SIGTERM, signal.SIGQUIT], ids=lambda s: s.name
)
def test_a_signal_mid_stream_keeps_and_saves_the_partial_answer(cli: CLI, signum) -> None:
    """Ctrl+C, a hang-up, kill or Ctrl+\\: what arrived is saved, exit 128 + n."""
    process = cli.popen("ask", "-m", "slow", "go")
    assert process.stdout is not None
    # The first word arrives while the answer is still streaming (one word per 0.5 s).
    first = process.stdout.read1(64)
    assert first.startswith(b"s0")
    assert process.poll() is None
    time.sleep(0.6)
    process.send_signal(signum)
    rest, err = process.communicate(timeout=15)
    printed = (first + rest).decode()
    assert process.returncode == 128 + signum
    assert printed.startswith("s0 s1") and printed.endswith("\n")
    [conversation] = cli.conversations()
    answer = conversation.messages[-1]
    assert answer.status == "stopped"
    assert answer.content == printed.rstrip("\n")
    assert err.decode() == (
        f"tui-chat: interrupted; the partial answer was saved (conversation {conversation.id})\n"
    )


def test_kill_9_mid_stream_keeps_the_words_printed(cli: CLI) -> None:
    """No handler runs on kill -9: the words printed are in the answer's journal, and
    the next reader of the conversation folds them in, marked stopped."""
    process = cli.popen("ask", "-m", "slow", "go")
    assert process.stdout is not None
    printed = b""
    while b"s1 " not in printed:
        printed += process.stdout.read1(64)
    time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=15)
    [conversation] = cli.conversations()
    answer = conversation.messages[-1]
    assert answer.status == "stopped"
    assert answer.content.startswith(printed.decode().strip())


def test_closed_stdout_ends_quietly(cli: CLI) -> None:
    process = cli.popen("ask", "--no-save", "-m", "long-1000", "x")
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()  # like `| head -c 10`
    err = process.stderr.read()
    process.wait(timeout=15)
    assert process.returncode == 141
    assert b"Traceback" not in err and b"Exception" not in err


def test_escape_sequences_pass_through_a_pipe(cli: CLI) -> None:
    result = cli.run("ask", "--no-save", "-m", "ansi", "x")
    assert result.returncode == 0
    assert result.stdout == "plain \x1b[31mred\x1b[0m \x07bell\r\nend\n"


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_escape_sequences_are_neutralized_on_a_terminal(cli: CLI) -> None:
    leader, follower = pty.openpty()
    try:
        process = cli.popen("ask", "--no-save", "-m", "ansi", "x", stdout=follower)
        os.close(follower)
        follower = -1
        output = b""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the other end closed
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
        process.wait(timeout=15)
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    assert process.returncode == 0
    text = output.decode().replace("\r\n", "\n")  # the pty's own line discipline
    assert "\x1b" not in text and "\x07" not in text
    assert text == "plain ␛[31mred␛[0m ␇bell\nend\n"


def test_help_describes_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui_chat", "ask", "--help"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=CLI.env(),
        timeout=30,
    )
    assert result.returncode == 0
    for flag in ("--model", "--provider", "--system", "--attach", "--temperature",
                 "--max-tokens", "--continue", "--conversation", "--no-save",
                 "--show-reasoning", "exit status"):
        assert flag in result.stdout


def test_commands_do_not_import_textual() -> None:
    code = (
        "import sys, tui_chat.commands.ask, tui_chat.commands.listing, tui_chat.attachments;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')];"
        "print(bad); raise SystemExit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=CLI.env(), timeout=30
    )
    assert result.returncode == 0, result.stdout + result.stderr

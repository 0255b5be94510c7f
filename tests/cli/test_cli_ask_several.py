"""`tui-chat ask -m A -m B`: several models asked at once, run for real as a subprocess
against the loopback upstream (drip: a slow echo; cut: drops mid-stream; slow: 60 s)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from .conftest import CLI, user_text


def journals(cli: CLI) -> list[str]:
    folder = cli.config_dir / "conversations"
    return sorted(p.name for p in folder.glob("*.journal")) if folder.exists() else []


def test_two_models_print_both_answers_in_order_and_save_one_as_a_variant(cli: CLI) -> None:
    # drip is the slower one: it still comes first, as given, and echo's answer (done
    # long before) is printed after it, whole.
    result = cli.run("ask", "-m", "up/drip", "-m", "echo", "hello there")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "── up/drip ──\nDrip: hello there\n\n── up/echo ──\nEcho: hello there\n"
    )
    assert result.stderr == ""
    requests = cli.requests()
    assert sorted(r["model"] for r in requests) == ["drip", "echo"]
    assert [user_text(r) for r in requests] == ["hello there", "hello there"]
    [conversation] = cli.conversations()
    assert (conversation.provider, conversation.model) == ("up", "drip")
    question, shown = conversation.messages
    assert question.content == "hello there"
    assert (shown.model, shown.status, shown.content) == ("drip", "complete", "Drip: hello there")
    [[other]] = shown.variants
    assert (other.provider, other.model) == ("up", "echo")
    assert (other.status, other.content) == ("complete", "Echo: hello there")
    assert other.usage["total_tokens"] > 0
    assert journals(cli) == []


def test_a_failing_model_does_not_lose_the_other_answer(cli: CLI) -> None:
    result = cli.run("ask", "-m", "cut", "-m", "up/echo", "one two three")
    assert result.returncode == 1
    # The failed one: its heading, what arrived; the other printed whole after it.
    assert result.stdout == (
        "── up/cut ──\nEcho: one\n\n── up/echo ──\nEcho: one two three\n"
    )
    [line] = result.err_lines
    assert line.startswith("tui-chat: up/cut: ")
    [conversation] = cli.conversations()
    shown = conversation.messages[1]
    assert (shown.model, shown.status, shown.content) == ("cut", "failed", "Echo: one")
    assert shown.error
    [[other]] = shown.variants
    assert (other.model, other.status, other.content) == ("echo", "complete", "Echo: one two three")


def test_a_model_refused_by_the_server_is_said_under_its_name(cli: CLI) -> None:
    result = cli.run("ask", "--no-save", "-m", "echo", "-m", "e500", "hi")
    assert result.returncode == 1
    assert result.stdout == "── up/echo ──\nEcho: hi\n\n── up/e500 ──\n"
    [line] = result.err_lines
    assert line.startswith("tui-chat: up/e500: ") and "upstream exploded" in line


def test_more_than_four_models_is_a_usage_error_and_nothing_is_sent(cli: CLI) -> None:
    result = cli.run("ask", *("-m", "echo") * 5, "hi")
    assert result.returncode == 2
    assert result.err_lines == [
        "tui-chat: At most 4 models can be asked at once (-m was given 5 times). "
        "Nothing was sent."
    ]
    assert result.stdout == ""
    assert cli.requests() == []
    assert cli.conversations() == []


def test_every_model_is_checked_before_anything_is_sent(cli: CLI) -> None:
    result = cli.run("ask", "-m", "echo", "-m", "nosuch/model", "hi")
    assert result.returncode == 2
    assert "'nosuch'" in result.stderr
    assert cli.requests() == []
    assert cli.conversations() == []


def test_provider_option_applies_to_names_without_one_and_verbose_names_them(cli: CLI) -> None:
    result = cli.run("ask", "--no-save", "-v", "-p", "up", "-m", "echo", "-m", "reasoner", "x")
    assert result.returncode == 0, result.stderr
    assert result.err_lines == ["tui-chat: asking up/echo, up/reasoner (not saved)"]
    assert result.stdout == "── up/echo ──\nEcho: x\n\n── up/reasoner ──\nEcho: x\n"
    assert cli.conversations() == []


def test_reasoning_of_each_answer_comes_with_it(cli: CLI) -> None:
    result = cli.run(
        "ask", "--no-save", "--show-reasoning", "-m", "reasoner", "-m", "reasoner", "why"
    )
    assert result.returncode == 0
    assert result.stdout == "── up/reasoner ──\nEcho: why\n\n── up/reasoner ──\nEcho: why\n"
    assert result.stderr == "Thinking about it\nThinking about it\n"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_signal_stops_every_stream_and_saves_each_partial_answer(cli: CLI, signum) -> None:
    process = cli.popen("ask", "-m", "slow", "-m", "up/slow", "-m", "echo", "go")
    assert process.stdout is not None
    printed = b""
    while b"s2 " not in printed:  # the first answer is printed as it arrives
        printed += process.stdout.read1(64)
    assert printed.startswith("── up/slow ──\ns0 ".encode())
    assert process.poll() is None
    process.send_signal(signum)
    rest, err = process.communicate(timeout=15)
    printed += rest
    assert process.returncode == 128 + signum
    [conversation] = cli.conversations()
    shown = conversation.messages[1]
    second, third = (branch[0] for branch in shown.variants)
    assert (shown.status, second.status) == ("stopped", "stopped")
    # The second was asked at the same time (a little later under load): not all of it.
    assert shown.content.startswith("s0 s1 s2") and second.content.startswith("s0 ")
    # The third was asked at the same time, not after the others: done meanwhile.
    assert (third.status, third.content) == ("complete", "Echo: go")
    # Each printed whole, in order: what arrived of each, then the finished one.
    assert printed.decode() == (
        f"── up/slow ──\n{shown.content}\n\n── up/slow ──\n{second.content}\n\n"
        "── up/echo ──\nEcho: go\n"
    )
    assert err.decode() == (
        "tui-chat: interrupted; the partial answers were saved "
        f"(conversation {conversation.id})\n"
    )
    assert journals(cli) == []


def test_kill_9_leaves_each_answer_in_its_journal(cli: CLI) -> None:
    process = cli.popen("ask", "-m", "slow", "-m", "slow", "go")
    assert process.stdout is not None
    printed = b""
    while b"s2 " not in printed:
        printed += process.stdout.read1(64)
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=15)
    assert len(journals(cli)) == 2
    [conversation] = cli.conversations()  # reading folds both journals back
    shown = conversation.messages[1]
    [[other]] = shown.variants
    assert (shown.status, other.status) == ("stopped", "stopped")
    assert shown.content.startswith("s0 s1 s2") and other.content.startswith("s0 ")
    assert journals(cli) == []


def test_help_says_models_can_be_compared() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui_chat", "ask", "--help"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=CLI.env(),
        timeout=30,
    )
    assert result.returncode == 0
    assert "repeat (up to 4) to compare" in " ".join(result.stdout.split())


def test_closed_stdout_stops_every_stream_quietly(cli: CLI) -> None:
    process = cli.popen("ask", "-m", "long-1000", "-m", "slow", "x")
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()  # like `| head -c 10`
    err = process.stderr.read()
    process.wait(timeout=15)
    assert process.returncode == 141
    assert b"Traceback" not in err and b"Exception" not in err
    [conversation] = cli.conversations()
    shown = conversation.messages[1]
    [[other]] = shown.variants
    assert other.status == "stopped"  # slow: 60 s had it gone on
    assert journals(cli) == []


def test_the_conversation_goes_on_with_the_first_models_answer(cli: CLI) -> None:
    assert cli.run("ask", "-m", "echo", "-m", "drip", "first").returncode == 0
    again = cli.run("ask", "-c", "next")  # no -m: the conversation's model, the first one
    assert again.returncode == 0, again.stderr
    assert again.stdout == "Echo: next\n"
    last = cli.requests()[-1]
    assert last["model"] == "echo"
    assert [m["content"] for m in last["messages"]] == ["first", "Echo: first", "next"]
    [conversation] = cli.conversations()
    assert [m.content for m in conversation.messages] == [
        "first", "Echo: first", "next", "Echo: next"]
    assert conversation.messages[1].variants[0][0].content == "Drip: first"

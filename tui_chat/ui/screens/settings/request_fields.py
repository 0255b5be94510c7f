"""The settings form's Request and Attachments fields, built from the settings (the
system prompt, a text area rather than a field, stays with the screen)."""

from __future__ import annotations

from dataclasses import dataclass

from ....store.settings import AttachmentLimits, RequestDefaults
from .fields import (
    Field,
    check_max_tokens,
    check_proxy,
    check_size,
    check_temperature,
    check_timeout,
    format_number,
    format_size,
)


@dataclass
class RequestFields:
    temperature: Field
    max_tokens: Field
    connect: Field
    read: Field
    proxy: Field
    image: Field
    text: Field


def request_fields(r: RequestDefaults, a: AttachmentLimits) -> RequestFields:
    """The fields of [request] (but its system prompt) and of [attachments], filled in."""
    return RequestFields(
        temperature=Field(
            "Temperature",
            "" if r.temperature is None else format_number(r.temperature),
            check_temperature,
            placeholder="provider default (0 to 2)",
        ),
        max_tokens=Field(
            "Max tokens",
            "" if r.max_tokens is None else str(r.max_tokens),
            check_max_tokens,
            placeholder="provider default",
        ),
        connect=Field(
            "Connect timeout", format_number(r.connect_timeout), check_timeout, hint="Seconds."
        ),
        read=Field("Read timeout", format_number(r.read_timeout), check_timeout, hint="Seconds."),
        proxy=Field(
            "Proxy",
            r.proxy,
            check_proxy,
            placeholder="none, e.g. http://127.0.0.1:3128",
            hint="http://, https:// or socks5:// URL; empty for none.",
        ),
        image=Field("Max image size", format_size(a.max_image_bytes), check_size, hint="e.g. 20MB"),
        text=Field(
            "Max text size",
            format_size(a.max_text_bytes),
            check_size,
            hint="e.g. 512KB; bytes, KB or MB (KB = 1024 bytes).",
        ),
    )

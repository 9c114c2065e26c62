"""Big JSON documents (run.json, observer data) as redacted, serialised pieces, record by record.

A 10,000-lane run.json is 35 MB; turned into one dict tree, redacted as a whole and serialised by the
pure-Python indenting encoder, it costs seconds and hundreds of MiB. Here only the document's small
head is one tree; each record of its big lists (simulations, streams, events, Observer lanes) is
dumped, redacted and serialised on its own, so the whole document never exists as Python objects and
the Observer page can embed the very text observer-data.json holds.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from mimetic.contracts.base import Record
from mimetic.safety.redact import Redactor
from mimetic.safety.terminal import strip_controls


@dataclass(frozen=True)
class Document:
    """Literal text (redacted) between slots, and each slot's records (each redacted and serialised once).

    Records are produced lazily, once: a document is written once (`RunStore.write_document`, which
    writes the same pieces to several files in one pass)."""

    pieces: tuple[str | Iterable[str], ...]
    indent: int | None

    def chunks(self) -> Iterator[str]:
        """The document's text in pieces, never joined into one string."""
        open_, inner, close = "[", ",", "]"
        if self.indent:
            open_, inner, close = "[\n" + " " * 2 * self.indent, ",\n" + " " * 2 * self.indent, "\n" + " " * self.indent + "]"
        for piece in self.pieces:
            if isinstance(piece, str):
                yield piece
                continue
            first = True
            for record in piece:
                yield (open_ if first else inner) + record
                first = False
            yield "[]" if first else close


@dataclass(frozen=True)
class Placement:
    """Where a document's text goes: a run-relative file, maybe inside a page (`around`), each record
    escaped (`escape`), control characters stripped (`text`: a file a person may `cat`)."""

    relative: str
    around: tuple[str, str] = ("", "")
    escape: Callable[[str], str] | None = None
    text: bool = False

    def literal(self, chunk: str) -> str:
        return strip_controls(chunk) if self.text else chunk

    def piece(self, chunk: str) -> str:
        return self.literal(self.escape(chunk) if self.escape else chunk)


def document(model: Record, slots: tuple[str, ...], redactor: Redactor, *, indent: int | None = None,
             records: dict[str, Iterable[Record]] | None = None, texts: dict[str, Iterable[str]] | None = None) -> Document:
    """`model` serialised with its list fields named in `slots` written record by record.

    `records` may give a slot's records instead of the model's own field (the Observer builds its lanes
    one at a time); `texts` gives them already serialised and redacted by this same `redactor` (a live
    board keeps each lane's text). Slots must be top-level fields; `indent` (2 for run.json) indents
    the head, and puts one compact record per line."""
    omit_none = model.OMIT_NONE
    dumped = model.model_dump(mode="json", by_alias=True, exclude_none=omit_none, exclude=set(slots))
    fields = type(model).model_fields
    nonce = secrets.token_hex(8)
    markers = {name: f"\0{nonce}-{name}\0" for name in fields if name in slots}  # no redacted value equals one
    head: dict[str, Any] = {}
    for name, field in fields.items():
        alias = field.alias or name
        if name in markers:
            head[alias] = markers[name]
        elif alias in dumped:
            head[alias] = redactor.value(dumped[alias])
    text = json.dumps(head, ensure_ascii=False, indent=indent, separators=None if indent else (",", ":"))
    pieces: list[str | tuple[str, ...]] = []
    for name, marker in markers.items():  # in field order, as the head was serialised
        before, found, text = text.partition(json.dumps(marker))
        if not found:
            raise ValueError(f"slot {name} missing from the serialised head")
        if texts and name in texts:
            pieces += [before, texts[name]]
            continue
        source = (records or {}).get(name, getattr(model, name))
        pieces += [before, redactor.json_records(r.model_dump_json(by_alias=True, exclude_none=omit_none) for r in source)]
    pieces.append(text + ("\n" if indent else ""))
    return Document(tuple(pieces), indent)


def script_safe(text: str) -> str:
    """JSON text safe inside `<script type="application/json">`: no `<`, `>`, `&` or JS line separators.

    Plain replaces: `str.translate` with a dict falls onto CPython's slow path for any text holding
    one of these characters (every OSS lane holds `->`)."""
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def record_id(line: str) -> str | None:
    """A record line's `id` (a record's first key, as pydantic dumps it), without parsing the rest of the line."""
    if not line.startswith('{"id":"'):
        return None
    end = line.find('"', 7)
    return line[7:end] if end > 7 and "\\" not in line[7:end] else None

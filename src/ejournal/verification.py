"""Checking the log against its ledger, and checkpoints an auditor keeps outside
the school.

``verify`` walks the events table and ``ej_ledger`` side by side in position order
and stops at the first position where they part. A checkpoint (the head position
and hash at some moment, optionally Ed25519-signed) catches what the chain table
alone cannot: both the log and the chain rewritten to agree with each other.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ejournal.database import Cursor
from ejournal.projections.ledger import GENESIS, event_rows, head, ledger_rows

CHECKPOINT_FORMAT = "ejournal-ledger-checkpoint/1"


class LedgerError(Exception):
    """A file or key that cannot be used as given (the message says why)."""


@dataclass(frozen=True)
class Verdict:
    position: int
    head_hash: str | None
    verified: bool
    first_bad_position: int | None
    problem: str | None
    checked: int
    pending: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Checkpoint:
    """The ledger head at a moment, as an auditor keeps it."""

    position: int
    hash: str
    taken_at: str
    signature: str | None = None

    def payload(self) -> bytes:
        """The signed bytes: everything but the signature, keys sorted."""
        return orjson.dumps(
            {
                "format": CHECKPOINT_FORMAT,
                "position": self.position,
                "hash": self.hash,
                "taken_at": self.taken_at,
            },
            option=orjson.OPT_SORT_KEYS,
        )

    def to_json(self) -> str:
        body = {"format": CHECKPOINT_FORMAT, **asdict(self)}
        return orjson.dumps(body, option=orjson.OPT_INDENT_2).decode()

    @classmethod
    def from_json(cls, text: str | bytes) -> Checkpoint:
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise LedgerError(f"the checkpoint is not JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
            raise LedgerError(f"not a checkpoint (format {CHECKPOINT_FORMAT})")
        position, hash_, taken_at = (
            data.get("position"),
            data.get("hash"),
            data.get("taken_at"),
        )
        signature = data.get("signature")
        if (
            not isinstance(position, int)
            or isinstance(position, bool)
            or not isinstance(hash_, str)
            or not isinstance(taken_at, str)
            or not (signature is None or isinstance(signature, str))
        ):
            raise LedgerError("the checkpoint lacks position, hash or taken_at")
        return cls(position, hash_, taken_at, signature)

    def signed(self, private_key_pem: bytes) -> Checkpoint:
        key = _load_key(private_key_pem, private=True)
        assert isinstance(key, Ed25519PrivateKey)
        signature = base64.b64encode(key.sign(self.payload())).decode()
        return replace(self, signature=signature)

    def check_signature(self, public_key_pem: bytes) -> None:
        key = _load_key(public_key_pem, private=False)
        assert isinstance(key, Ed25519PublicKey)
        if self.signature is None:
            raise LedgerError("the checkpoint is not signed")
        try:
            key.verify(base64.b64decode(self.signature, validate=True), self.payload())
        except (InvalidSignature, binascii.Error, ValueError):
            raise LedgerError(
                "the checkpoint's signature does not match this public key"
            ) from None


def _load_key(pem: bytes, *, private: bool) -> Any:
    try:
        key: Any = (
            serialization.load_pem_private_key(pem, password=None)
            if private
            else serialization.load_pem_public_key(pem)
        )
    except (ValueError, TypeError) as exc:
        kind = "private" if private else "public"
        raise LedgerError(f"not a PEM {kind} key: {exc}") from None
    wanted = Ed25519PrivateKey if private else Ed25519PublicKey
    if not isinstance(key, wanted):
        raise LedgerError("the key is not an Ed25519 key")
    return key


def new_key_pair() -> tuple[bytes, bytes]:
    """An Ed25519 key pair as PEM (private, public), for signing checkpoints."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def verify(
    cur: Cursor,
    *,
    upto: int | None = None,
    checkpoint: Checkpoint | None = None,
    progress: Callable[[int], None] | None = None,
) -> Verdict:
    """Recompute the chain from the stored events (up to the ledger's head, or
    ``upto``) and compare it with ``ej_ledger`` and, if given, a checkpoint.
    ``progress`` is told of every event read. This reads the whole log: a job for
    the command line or a background thread (ejournal.ledger_check), never for a
    request."""
    top, top_hash = head(cur, upto)
    reach = top if checkpoint is None else max(top, checkpoint.position)
    events = event_rows(cur, reach)
    links = ledger_rows(cur, top)
    event, stored = next(events, None), next(links, None)
    prev, checked = GENESIS, 0
    cp_open = checkpoint is not None
    bad: tuple[int, str] | None = None
    while bad is None and (event is not None or stored is not None):
        if stored is not None and (event is None or stored[0] < event[0]):
            bad = (stored[0], "the event chained at this position is gone (deleted)")
            break
        assert event is not None
        position, row = event
        if checkpoint is not None and cp_open and position > checkpoint.position:
            bad = (checkpoint.position, _LOST_CHECKPOINT)
            break
        if row is None:
            bad = (position, "the stored row cannot be read (changed)")
            break
        prev = row.link(prev)
        if progress is not None:
            progress(1)
        if position <= top:
            if stored is None or stored[0] != position:
                bad = (position, "an event the ledger never chained (inserted)")
            elif prev.hex() != stored[1]:
                bad = (position, "the event differs from what was chained (changed)")
            else:
                checked += 1
                stored = next(links, None)
        if bad is None and checkpoint is not None and position == checkpoint.position:
            cp_open = False
            if prev.hex() != checkpoint.hash:
                bad = (position, _REWRITTEN)
        event = next(events, None)
    if bad is None and checkpoint is not None and cp_open:
        bad = (checkpoint.position, _LOST_CHECKPOINT)
    pending = 0
    if upto is None:
        db = cur.db
        row = cur.execute(
            f"SELECT COUNT(*) AS n FROM {db.events_table_ref} "
            f"WHERE {db.position_column} > ?",
            (top,),
        ).fetchone()
        pending = int(row["n"])
    return Verdict(
        position=top,
        head_hash=top_hash,
        verified=bad is None,
        first_bad_position=bad[0] if bad else None,
        problem=bad[1] if bad else None,
        checked=checked,
        pending=pending,
    )


_REWRITTEN = (
    "the log no longer extends the checkpoint: events and ledger were both "
    "rewritten at or before this position"
)
_LOST_CHECKPOINT = "the log has no event at the checkpoint's position (removed)"

"""Signing what sitegen keeps between runs, so that pickles are only ever read
back by the code that wrote them, for the user who wrote them.

The load cache (content/cache.py) and the build record (state/) hold pickled
objects, and unpickling runs code. Each pickled value is signed with
HMAC-SHA256 under a key private to this user (`~/.cache/sitegen/cache-key`,
or under `$XDG_CACHE_HOME`, made on first use with mode 0600), over a digest
of the code that wrote it (a `Signer`'s `code`), and its signature is checked
before it is unpickled: a file copied from elsewhere, written by other sitegen
code or damaged is never unpickled.

In CI, where every run is a new machine, the key comes from the environment
instead: `SITEGEN_CACHE_KEY`, set from a CI secret, so that a cache restored
from an earlier run is trusted by the next one (and by nobody without the
secret). It is never written anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable
from pathlib import Path

KEY_VARIABLE = "SITEGEN_CACHE_KEY"
MIN_SECRET_CHARS = 16


def _env_secret() -> tuple[str | None, bool]:
    """SITEGEN_CACHE_KEY's value (None when unset), and whether it is long
    enough to trust what it signs."""
    secret = os.environ.get(KEY_VARIABLE)
    if secret is None:
        return None, False
    secret = secret.strip()
    return secret, len(secret) >= MIN_SECRET_CHARS


def key_problem() -> str:
    """Why SITEGEN_CACHE_KEY cannot be used ("" when it is unset or usable)."""
    secret, strong = _env_secret()
    if secret is not None and not strong:
        return (f"{KEY_VARIABLE} is shorter than {MIN_SECRET_CHARS} characters, too weak "
                "to trust a restored cache with: .sitegen-cache/ is not used (make it a "
                "long random secret, e.g. `openssl rand -hex 32`, kept in your CI's secrets)")
    return ""


def key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sitegen" / "cache-key"


def machine_key() -> bytes | None:
    """The secret for signing caches: SITEGEN_CACHE_KEY's (hashed to 32 bytes)
    when set, else this user's, made on first use (None if impossible)."""
    secret, strong = _env_secret()
    if secret is not None:  # too weak to trust: no key, so caches are not used
        return hashlib.sha256(b"sitegen cache key\0" + secret.encode()).digest() if strong else None
    path = key_file()
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(os.urandom(32))
    except FileExistsError:
        pass  # another process made it first
    except OSError:
        return None
    try:
        return _read_key(path)
    except OSError:
        return None


def _read_key(path: Path) -> bytes:
    key = path.read_bytes()
    if len(key) != 32:
        raise OSError("bad key file")
    return key


def code_digest(files: Iterable[Path], base: Path, *versions: str) -> bytes:
    """32 bytes naming a version of code: these files (names relative to `base`
    and bytes) and the given version strings."""
    h = hashlib.sha256()
    for version in versions:
        h.update(version.encode() + b"\0")
    for path in sorted(files):
        h.update(path.relative_to(base).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.digest()


class Signer:
    """Signs blobs under a label, for one user's key and one version of code."""

    def __init__(self, key: bytes, code: bytes) -> None:
        self.key = key
        self.code = code

    def sign(self, label: str, blob: bytes) -> bytes:
        return hmac.digest(self.key, self.code + label.encode() + b"\0" + blob, "sha256")

    def check(self, label: str, blob: bytes, signature: bytes) -> bool:
        return hmac.compare_digest(self.sign(label, blob), signature)

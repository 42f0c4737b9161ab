"""Passwords, tokens and sign-in throttling, shared by the API and the web pages.

Passwords are kept as argon2 hashes; tokens are random and only their SHA-256
is stored, so a copy of the database gives no way in. Failed sign-ins are
limited per user name and per client address, in memory (one process; a
multi-process deployment still bounds each process).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from .access import ANONYMOUS, Principal
from .domain.entities import ROLES, SIGN_IN, SIGN_IN_FAILED, User
from .domain.errors import FieldError, ValidationFailed
from .store.common import iso, now_iso
from .store.protocol import GraphStore

__all__ = [
    "MAX_CREDENTIAL",
    "LoginThrottle",
    "authenticate",
    "hash_password",
    "issue_token",
    "make_user",
    "principal_for_token",
    "revoke_token",
    "throttle_keys",
]

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password")
TOKEN_TTL = timedelta(hours=12)
MIN_PASSWORD = 10
MAX_CREDENTIAL = 256
"""Longer user names or passwords are refused before argon2 runs (no hashing of megabytes)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def make_user(
    username: str,
    password: str,
    role: str,
    *,
    organization_id: str | None = None,
    province_code: str | None = None,
) -> User:
    """A new user, checked: known role, long enough password, the scope its role needs."""
    errors: list[FieldError] = []
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        errors.append(FieldError("username", "letters, digits, . - _ only"))
    if role not in ROLES:
        errors.append(FieldError("role", f"unknown role {role!r}; expected {', '.join(ROLES)}"))
    if len(password) < MIN_PASSWORD:
        errors.append(FieldError("password", f"at least {MIN_PASSWORD} characters"))
    if role == "association" and not organization_id:
        errors.append(FieldError("organization", "an association user needs its organisation"))
    if role == "coordinator" and not province_code:
        errors.append(FieldError("province", "a coordinator needs a province"))
    if errors:
        raise ValidationFailed(errors)
    return User(
        username=username,
        role=role,
        password_hash=hash_password(password),
        organization_id=organization_id,
        province_code=province_code,
        created_at=now_iso(),
    )


def authenticate(store: GraphStore, username: str, password: str,
                 address: str | None) -> User | None:
    """The user if the password matches; the same work is done when the user does not exist.

    Every attempt is audited (user name as typed, time, client address; never the
    password): the API's ``login`` and the sign-in page both come here.
    """
    user = _checked(store, username, password)
    store.record_event(actor=username[:MAX_CREDENTIAL], action=SIGN_IN if user else SIGN_IN_FAILED,
                       entity_kind="user", entity_id=username[:MAX_CREDENTIAL],
                       detail={"address": address or "unknown"})
    return user


def _checked(store: GraphStore, username: str, password: str) -> User | None:
    if len(username) > MAX_CREDENTIAL or len(password) > MAX_CREDENTIAL:
        return None  # no argon2 over megabytes
    user = store.get_user(username)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, InvalidHashError):
        return None
    return user


def issue_token(store: GraphStore, user: User, ttl: timedelta = TOKEN_TTL) -> str:
    token = secrets.token_urlsafe(32)
    expires = iso(datetime.now(UTC) + ttl)
    store.put_token(_digest(token), user.username, expires)
    return token


def principal_for_token(store: GraphStore, token: str | None) -> Principal:
    """Who a bearer token belongs to; the anonymous public when missing, unknown or expired."""
    if not token:
        return ANONYMOUS
    user = store.token_user(_digest(token), now_iso())
    return Principal.of(user) if user else ANONYMOUS


def revoke_token(store: GraphStore, token: str) -> None:
    store.delete_token(_digest(token))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()




def throttle_keys(username: str, address: str | None) -> tuple[str, str]:
    """The two counters a sign-in attempt counts against: its user name and its address.

    The API and the web pages share one throttle with these keys, so a guesser
    gets no more tries by switching between them.
    """
    return f"user:{username[:MAX_CREDENTIAL].casefold()}", f"address:{address or 'unknown'}"


class LoginThrottle:
    """At most ``limit`` failed sign-ins per key (user name, client address) per ``window`` s."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allowed(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                failures = self._failures[key]
                while failures and failures[0] <= now - self.window:
                    failures.popleft()
                if len(failures) >= self.limit:
                    return False
        return True

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._failures[key].append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

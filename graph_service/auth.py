"""Passwords, credentials and sign-in throttling, shared by the API and the web pages.

Passwords are kept as argon2 hashes. A credential is a random secret, a bearer
token of the API or the session id of the pages, of which the store keeps only
the SHA-256 (a copy of the database gives no way in) with its owner, purpose
and expiry: signing out deletes it, and replacing or removing a user, or
``graph-service user revoke``, deletes all of that user's at once.

Failed sign-ins back off exponentially, per client address and per user name,
with their counters in the store so that every process of a deployment sees
the same ones. The two back-offs are shaped so that guessing cannot lock the
rightful user out: one address is held back by its own back-off long before
it can push the user name's; the user name's wait is bounded
(:data:`USER_BACKOFF`), and an address where the user signed in lately is
exempt from it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from .access import ANONYMOUS, Principal
from .domain.entities import ROLES, SIGN_IN, SIGN_IN_FAILED, User
from .domain.errors import FieldError, ValidationFailed
from .store.common import iso, now_iso
from .store.protocol import GraphStore

__all__ = [
    "ADDRESS_BACKOFF",
    "MAX_CREDENTIAL",
    "SESSION_TTL",
    "USER_BACKOFF",
    "Attempt",
    "Backoff",
    "LoginThrottle",
    "ThrottleKeys",
    "attempt_sign_in",
    "authenticate",
    "hash_password",
    "issue_token",
    "make_user",
    "open_session",
    "principal_for_session",
    "principal_for_token",
    "revoke_token",
    "throttle_keys",
]

_hasher = PasswordHasher(parallelism=1)
"""argon2id at 64 MiB and 3 passes, on one thread: a sign-in is ~0.2 s of one core's
time whatever the lanes, and the default four lanes took both cores of a small server
for ~0.1 s, stalling every request in flight. Hashes made before still verify (their
parameters are in them); a new password is hashed with these."""
_DUMMY_HASH = _hasher.hash("not-a-real-password")
TOKEN_TTL = timedelta(hours=12)
SESSION_TTL = timedelta(hours=8)
"""A working day: a forgotten session on a shared office computer does not last."""
API, WEB = "api", "web"
"""Purposes of a credential: a bearer token is no session id, and the reverse."""
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


def issue_token(store: GraphStore, user: User) -> str:
    """A new bearer token of the API for ``user`` (valid :data:`TOKEN_TTL`)."""
    return _issue(store, user, API, TOKEN_TTL)


def open_session(store: GraphStore, user: User) -> str:
    """A new page session id for ``user`` (valid :data:`SESSION_TTL`)."""
    return _issue(store, user, WEB, SESSION_TTL)


def principal_for_token(store: GraphStore, token: str | None) -> Principal:
    """Who a bearer token belongs to; the anonymous public when missing, unknown or expired."""
    return _principal(store, token, API)


def principal_for_session(store: GraphStore, session_id: str | None) -> Principal:
    """Who a page session belongs to; the anonymous public when missing, ended or expired."""
    return _principal(store, session_id, WEB)


def revoke_token(store: GraphStore, secret: str) -> None:
    """End a bearer token or a session (sign-out): the secret is dead everywhere at once."""
    store.delete_token(_digest(secret))


def _issue(store: GraphStore, user: User, purpose: str, ttl: timedelta) -> str:
    secret = secrets.token_urlsafe(32)
    store.put_token(_digest(secret), user.username, iso(datetime.now(UTC) + ttl), purpose=purpose)
    return secret


def _principal(store: GraphStore, secret: str | None, purpose: str) -> Principal:
    if not secret or len(secret) > MAX_CREDENTIAL:
        return ANONYMOUS
    user = store.token_user(_digest(secret), now_iso(), purpose=purpose)
    return Principal.of(user) if user else ANONYMOUS


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Backoff:
    """Past ``free`` failures, each further one doubles the wait (1 s, 2 s, 4 s…) up to ``cap``."""

    free: int
    cap: float

    def wait(self, failures: int, last: datetime, now: datetime) -> float:
        """Seconds still to wait before the next attempt (0: it may go ahead)."""
        if failures < self.free:
            return 0.0
        delay = min(2.0 ** (failures - self.free), self.cap)
        return max(0.0, delay - (now - last).total_seconds())


ADDRESS_BACKOFF = Backoff(free=5, cap=15 * 60)
"""One address: five tries, then waits doubling up to a quarter of an hour."""
USER_BACKOFF = Backoff(free=10, cap=60)
"""One user name from every address: ten tries (two addresses' worth), then at most a minute."""
FORGET = timedelta(days=1)
"""Counters not counted for a day are forgotten; a known address stays known as long."""


@dataclass(frozen=True, slots=True)
class ThrottleKeys:
    """The counters of one sign-in attempt, as hashes (the store keeps no name nor address).

    ``user`` counts failures for the user name from anywhere, ``address`` failures
    from the client address for any name, ``known`` successes of that name there.
    """

    user: str
    address: str
    known: str


def throttle_keys(username: str, address: str | None) -> ThrottleKeys:
    """The counters a sign-in attempt counts against.

    The API and the web pages share one throttle with these keys, so a guesser
    gets no more tries by switching between them.
    """
    name = username[:MAX_CREDENTIAL].casefold()
    where = address or "unknown"
    return ThrottleKeys(user=_digest(f"user:{name}"), address=_digest(f"address:{where}"),
                        known=_digest(f"known:{name}@{where}"))


class LoginThrottle:
    """Exponential back-off of failed sign-ins, counted in the store (see the module docstring).

    Every method does store I/O: async callers run it through ``run_blocking``.
    """

    def __init__(self, store: GraphStore,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store, self.clock = store, clock

    def wait(self, keys: ThrottleKeys) -> float:
        """Seconds before this attempt may be checked; 0 when it may go ahead now."""
        now = self.clock()
        counts = self.store.throttle_counts([keys.user, keys.address, keys.known],
                                            iso(now - FORGET))

        def waited(backoff: Backoff, key: str) -> float:
            count, last = counts.get(key, (0, ""))
            return backoff.wait(count, datetime.fromisoformat(last), now) if count else 0.0

        address = waited(ADDRESS_BACKOFF, keys.address)
        return address if keys.known in counts else max(address, waited(USER_BACKOFF, keys.user))

    def failed(self, keys: ThrottleKeys) -> None:
        now = self.clock()
        self.store.count_throttle([keys.user, keys.address], iso(now), iso(now - FORGET))

    def succeeded(self, keys: ThrottleKeys) -> None:
        """The user name starts afresh and its address becomes known; the address's own
        failures stay (one valid account must not reset a guesser's address)."""
        now = self.clock()
        self.store.clear_throttle(keys.user)
        self.store.count_throttle([keys.known], iso(now), iso(now - FORGET))


@dataclass(frozen=True, slots=True)
class Attempt:
    """What a sign-in attempt gave: the user, or none; ``wait`` > 0 when it was not even
    checked because of the back-off (seconds until the next attempt may be)."""

    user: User | None
    wait: float = 0.0


def attempt_sign_in(store: GraphStore, throttle: LoginThrottle, username: str, password: str,
                    address: str | None) -> Attempt:
    """The one sign-in check of the API and the pages: back-off, password, counters.

    Blocking (argon2, store): async callers run it through ``run_blocking``.
    """
    keys = throttle_keys(username, address)
    wait = throttle.wait(keys)
    if wait > 0:
        return Attempt(None, wait)
    user = authenticate(store, username, password, address)
    if user is None:
        throttle.failed(keys)
    else:
        throttle.succeeded(keys)
    return Attempt(user)

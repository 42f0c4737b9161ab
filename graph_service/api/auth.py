"""Signing in and out: a bearer token for ``Authorization: Bearer <token>``.

Passwords are checked with argon2 in a worker thread (it is slow on purpose);
failed attempts are limited per user name and per client address
(:class:`graph_service.auth.LoginThrottle`), and the answer never says
whether the user exists.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from .. import auth
from ..access import Principal
from ..store import run_blocking
from .context import Info, bearer_token
from .results import Problem

__all__ = ["AuthMutation", "AuthQuery", "Me"]



@strawberry.type(description="The signed-in user.")
class Me:
    username: str
    role: str = strawberry.field(description="professional, association, coordinator or admin.")
    organization_id: str | None
    province_code: str | None

    @classmethod
    def of(cls, principal: Principal) -> Me:
        assert principal.username is not None
        return cls(username=principal.username, role=principal.role,
                   organization_id=principal.organization_id,
                   province_code=principal.province_code)


@strawberry.type(description="Send `token` as `Authorization: Bearer <token>`; valid 12 hours.")
class LoginSuccess:
    token: str
    user: Me


@strawberry.type(description="Wrong user name or password.")
class LoginFailed(Problem):
    pass


@strawberry.type(description="Too many failed attempts for this user or address; wait minutes.")
class TooManyAttempts(Problem):
    pass


LoginResult = Annotated[LoginSuccess | LoginFailed | TooManyAttempts,
                        strawberry.union("LoginResult")]


@strawberry.type
class AuthQuery:
    @strawberry.field(description="Who the bearer token belongs to; `null` when anonymous.")
    def me(self, info: Info) -> Me | None:
        principal = info.context.principal
        return Me.of(principal) if principal.signed_in else None


@strawberry.type
class AuthMutation:
    @strawberry.mutation
    async def login(self, info: Info, username: str, password: str) -> LoginResult:
        ctx = info.context
        keys = auth.throttle_keys(username, ctx.client_address)
        if not ctx.throttle.allowed(*keys):
            return TooManyAttempts(message="Too many failed sign-ins; try again later.")
        user = await run_blocking(auth.authenticate, ctx.store, username, password,
                                  ctx.client_address)
        if user is None:
            ctx.throttle.failed(*keys)
            return LoginFailed(message="Wrong user name or password.")
        ctx.throttle.succeeded(keys[0])
        token = await run_blocking(auth.issue_token, ctx.store, user)
        return LoginSuccess(token=token, user=Me.of(Principal.of(user)))

    @strawberry.mutation(description="Revoke the bearer token of this request.")
    async def logout(self, info: Info) -> bool:
        token = bearer_token(info.context.request)
        if token is None or not info.context.principal.signed_in:
            return False
        await run_blocking(auth.revoke_token, info.context.store, token)
        return True

"""Shared by the CSRF and form charset suites: the routes that take a POST, a CSRF token as the
site hands one out, and the persona each route is for, as a client that enforces CSRF."""

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token

from tests.security import attack
from tests.security.access_matrix import MATRIX, PRACTICE_ADMIN, PUBLIC, SIGN_IN_STEP, Route
from tests.security.attack import AttackCase, census, census_changes, rolled_back

POSTING = {key: route for key, route in MATRIX.items() if "POST" in route.methods}


def new_token() -> tuple[str, str]:
    """(cookie secret, masked form token): what the site hands a browser with a form."""
    request = HttpRequest()
    token = get_token(request)
    return request.META["CSRF_COOKIE"], token


class CsrfCase(AttackCase):
    def poster(self, key: str, route: Route):
        """A client that enforces CSRF, as the persona the route is for."""
        if route.kind == PUBLIC:
            return self.anonymous(enforce_csrf_checks=True)
        if route.kind == SIGN_IN_STEP and key != "logout":
            return self.password_only(self.alice, enforce_csrf_checks=True)
        if route.kind == PRACTICE_ADMIN:
            return self.signed_in(self.carol, enforce_csrf_checks=True)
        return self.signed_in(self.alice, enforce_csrf_checks=True)

    def refusal_failures(self, matrix: dict[str, Route]) -> list[str]:
        """POSTs without a valid token: no cookie and no token, a cookie and no token, a token
        that is not the cookie's. Each must be a 403 that changes nothing at all."""
        failures = []
        for key, route in matrix.items():
            if "POST" not in route.methods:
                continue
            path, data = self.targets(key, route)[0]
            client = self.poster(key, route)
            secret, _ = new_token()
            _, foreign_token = new_token()
            attempts = {
                "no cookie, no token": (None, {}),
                "cookie, no token": (secret, {}),
                "cookie, another token": (secret, {"csrfmiddlewaretoken": foreign_token}),
            }
            for what, (cookie, token) in attempts.items():
                if cookie:
                    client.cookies[settings.CSRF_COOKIE_NAME] = cookie
                with rolled_back():  # without the protection, the POST must not pile up
                    before = census()
                    response = client.post(path, {**(data or {}), **token})
                    changed = census_changes(before, census(), strict=True)
                attack.count("CSRF refusals")
                if response.status_code != 403:
                    failures.append(f"POST {path} ({key}), {what}: {response.status_code}")
                failures += [f"POST {path} ({key}), {what}: changed {c}" for c in changed]
        return failures

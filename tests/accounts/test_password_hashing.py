"""Password hashing (accounts/hashers.py): Argon2id at the OWASP minimum, old hashes replaced at
the next sign-in through the real pages, and a bound on the hashes one process runs at once.

tests/settings.py hashes with MD5 for speed; these tests name the real hashers."""

import tempfile
import threading
from pathlib import Path
from unittest import mock

import argon2
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, make_password
from django.test import Client, SimpleTestCase, TestCase, override_settings
from django.urls import reverse

from accounts.hashers import BoundedArgon2PasswordHasher, hashing_slots
from accounts.testing import sign_in_through_pages
from tests.base import PASSWORD, make_therapist
from tests.processes import PRODUCTION, configuration_error, copy_checkout, loaded, setup_django

BOUNDED = "accounts.hashers.BoundedArgon2PasswordHasher"
STOCK = "django.contrib.auth.hashers.Argon2PasswordHasher"
PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"
# (memory in KiB, passes, lanes) as the stored string spells them: m=..., t=..., p=...
CHOSEN = (47104, 1, 1)
STOCK_PARAMETERS = (102400, 2, 8)


def stored_parameters(encoded: str) -> tuple[int, int, int]:
    """Read from the stored string itself ("argon2$argon2id$v=19$m=...,t=...,p=...$salt$hash")."""
    algorithm, rest = encoded.split("$", 1)
    assert algorithm == "argon2", encoded
    params = argon2.extract_parameters("$" + rest)
    assert params.type is argon2.Type.ID, encoded
    return params.memory_cost, params.time_cost, params.parallelism


def stored_password(user) -> str:
    return get_user_model().objects.values_list("password", flat=True).get(pk=user.pk)


class OldHashesAreReplacedAtSignInTests(TestCase):
    """A hash made before the change (Django's stock 100 MiB, p=8), signed in through the
    password page and the code page."""

    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        stock = Argon2PasswordHasher()
        cls.old_hash = stock.encode(PASSWORD, stock.salt())
        assert stored_parameters(cls.old_hash) == STOCK_PARAMETERS

    def setUp(self):
        get_user_model().objects.filter(pk=self.alice.pk).update(password=self.old_hash)

    @override_settings(PASSWORD_HASHERS=[BOUNDED, PBKDF2])
    def test_an_old_hash_signs_in_and_is_stored_again_with_the_chosen_parameters(self):
        response = sign_in_through_pages(self.client, "alice", PASSWORD)

        self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)
        self.assertContains(self.client.get(response.url), "Dashboard")
        stored = stored_password(self.alice)
        self.assertNotEqual(stored, self.old_hash)
        self.assertEqual(stored_parameters(stored), CHOSEN)
        self.assertTrue(check_password(PASSWORD, stored))

    @override_settings(PASSWORD_HASHERS=[BOUNDED, PBKDF2])
    def test_the_new_hash_signs_in_again_and_is_kept(self):
        sign_in_through_pages(self.client, "alice", PASSWORD)
        upgraded = stored_password(self.alice)
        self.client.post(reverse("logout"))

        response = sign_in_through_pages(self.client, "alice", PASSWORD)

        self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)
        self.assertEqual(stored_password(self.alice), upgraded)

    @override_settings(PASSWORD_HASHERS=[BOUNDED, PBKDF2])
    def test_a_wrong_password_is_refused_and_leaves_the_old_hash(self):
        response = self.client.post(
            reverse("login"), {"username": "alice", "password": "not-the-password-2026"}
        )

        self.assertContains(response, "Please enter a correct username and password")
        self.assertEqual(stored_password(self.alice), self.old_hash)

    def test_the_replacement_ends_the_accounts_other_open_sessions_once(self):
        # Django's session hash covers the stored hash (docs/SECURITY.md says so).
        elsewhere = Client()
        with override_settings(PASSWORD_HASHERS=[STOCK, PBKDF2]):
            sign_in_through_pages(elsewhere, "alice", PASSWORD)
        self.assertEqual(elsewhere.get(reverse("dashboard")).status_code, 200)

        with override_settings(PASSWORD_HASHERS=[BOUNDED, PBKDF2]):
            sign_in_through_pages(self.client, "alice", PASSWORD)
            self.assertRedirects(
                elsewhere.get(reverse("dashboard")),
                f"{reverse('login')}?next=/",
                fetch_redirect_response=False,
            )
            # Once: signing in there again stores nothing new, and this session stays open.
            sign_in_through_pages(elsewhere, "alice", PASSWORD)
            self.assertEqual(self.client.get(reverse("dashboard")).status_code, 200)

    @override_settings(PASSWORD_HASHERS=[STOCK, PBKDF2])
    def test_negative_control_with_the_stock_hasher_first_the_old_hash_stays(self):
        # The replacement above is the chosen parameters' doing: with Django's own hasher the
        # same sign-in succeeds and stores nothing new.
        response = sign_in_through_pages(self.client, "alice", PASSWORD)

        self.assertRedirects(response, reverse("dashboard"), fetch_redirect_response=False)
        self.assertEqual(stored_password(self.alice), self.old_hash)


class NewHashParametersTests(TestCase):
    @override_settings(PASSWORD_HASHERS=[BOUNDED, PBKDF2])
    def test_a_new_account_is_stored_with_argon2id_46_mib_one_pass_one_lane(self):
        user = make_therapist("carol")

        stored = stored_password(user)
        self.assertEqual(stored_parameters(stored), CHOSEN)
        self.assertTrue(check_password(PASSWORD, stored))
        self.assertFalse(check_password("not-the-password-2026", stored))

    @override_settings(PASSWORD_HASHERS=[STOCK, PBKDF2])
    def test_negative_control_the_stock_hasher_stores_other_parameters(self):
        user = make_therapist("carol")

        self.assertEqual(stored_parameters(stored_password(user)), STOCK_PARAMETERS)


ENCODED = "argon2$argon2id$v=19$m=47104,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"


class ConcurrencyBoundTests(SimpleTestCase):
    """Six threads hash at once; Argon2 itself is replaced by a stand-in that counts how many
    are inside it and waits (up to a limit) for all six to arrive."""

    THREADS = 6
    WAIT_S = 0.3

    def max_inside(self, work) -> int:
        state = {"inside": 0, "max": 0}
        arrived = threading.Condition()

        def inside() -> None:
            with arrived:
                state["inside"] += 1
                state["max"] = max(state["max"], state["inside"])
                arrived.notify_all()
                arrived.wait_for(lambda: state["max"] >= self.THREADS, timeout=self.WAIT_S)
                state["inside"] -= 1

        def hash_secret(*args, **kwargs) -> bytes:
            inside()
            return ENCODED.split("$", 1)[1].encode()

        def verify(_self, *args) -> bool:
            inside()
            return True

        start = threading.Barrier(self.THREADS)
        errors = []

        def run() -> None:
            start.wait()
            try:
                work()
            except Exception as error:  # shown by the assertion below
                errors.append(error)

        with (
            mock.patch.object(argon2.low_level, "hash_secret", hash_secret),
            mock.patch.object(argon2.PasswordHasher, "verify", verify),
        ):
            threads = [threading.Thread(target=run) for _ in range(self.THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=10)
        self.assertEqual(errors, [])
        return state["max"]

    def test_at_most_two_hashes_run_at_once_by_default(self):
        hasher = BoundedArgon2PasswordHasher()
        for name, work in {
            "encode": lambda: hasher.encode(PASSWORD, "saltsaltsalt"),
            "verify": lambda: hasher.verify(PASSWORD, ENCODED),
        }.items():
            with self.subTest(name):
                self.assertEqual(self.max_inside(work), 2)

    @override_settings(PASSWORD_HASHERS=[BOUNDED, PBKDF2])
    def test_djangos_own_entry_points_are_bounded(self):
        # make_password: new accounts, password changes, the unknown-username timing hash;
        # check_password: every sign-in and password confirmation.
        for name, work in {
            "make_password": lambda: make_password(PASSWORD),
            "check_password": lambda: check_password(PASSWORD, ENCODED),
        }.items():
            with self.subTest(name):
                self.assertEqual(self.max_inside(work), 2)

    @override_settings(PASSWORD_HASH_CONCURRENCY=3)
    def test_the_bound_follows_the_setting(self):
        hasher = BoundedArgon2PasswordHasher()
        self.assertEqual(self.max_inside(lambda: hasher.verify(PASSWORD, ENCODED)), 3)

    def test_negative_control_the_stock_hasher_lets_all_six_in(self):
        hasher = Argon2PasswordHasher()
        for name, work in {
            "encode": lambda: hasher.encode(PASSWORD, "saltsaltsalt"),
            "verify": lambda: hasher.verify(PASSWORD, ENCODED),
        }.items():
            with self.subTest(name):
                self.assertEqual(self.max_inside(work), self.THREADS)

    @override_settings(PASSWORD_HASH_CONCURRENCY=2)
    def test_a_failing_hash_gives_its_place_back(self):
        broken = mock.Mock(side_effect=MemoryError("no memory for Argon2"))
        with mock.patch.object(argon2.low_level, "hash_secret", broken):
            for _ in range(2):  # a third would wait for ever if the places were kept
                with self.assertRaises(MemoryError):
                    BoundedArgon2PasswordHasher().encode(PASSWORD, "saltsaltsalt")
        slots = hashing_slots()
        self.assertTrue(slots.acquire(blocking=False))
        self.assertTrue(slots.acquire(blocking=False))
        slots.release()
        slots.release()


class ConcurrencySettingTests(SimpleTestCase):
    def test_zero_is_refused_at_start_and_a_positive_number_starts(self):
        with tempfile.TemporaryDirectory() as directory:
            checkout = copy_checkout(Path(directory) / "checkout")
            message = configuration_error(
                setup_django(checkout, **PRODUCTION, PASSWORD_HASH_CONCURRENCY="0")
            )
            self.assertIn("PASSWORD_HASH_CONCURRENCY must be 1 or more", message)
            # Control: the same start with 3.
            loaded(setup_django(checkout, **PRODUCTION, PASSWORD_HASH_CONCURRENCY="3"))

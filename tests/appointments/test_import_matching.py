"""Matching imported events to clients (appointments.ics_import.Matcher): by code anywhere in
the title, by full or preferred name as whole words, case- and accent-insensitively; two
clients found is no match; another therapist's clients are never found."""

from django.test import TestCase

from appointments.ics_import import Matcher
from tests.base import make_client, make_therapist


class MatchingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.bob = make_therapist("bob")
        cls.elodie = make_client(cls.alice, full_name="Élodie Durand")  # C-0001
        cls.sam_a = make_client(cls.alice, full_name="Samuel Okafor", preferred_name="Sam")
        cls.sam_b = make_client(cls.alice, full_name="Samantha Reyes", preferred_name="Sam")
        cls.ann = make_client(cls.alice, full_name="Ann")
        cls.ann_lee = make_client(cls.alice, full_name="Ann Lee")
        cls.bobs = make_client(cls.bob, full_name="Marguerite Vasquez")  # bob's C-0001
        cls.bobs_second = make_client(cls.bob, full_name="Thaddeus Brightwater")  # bob's C-0002

    def match(self, summary, therapist=None):
        return Matcher.for_therapist(therapist or self.alice).match(summary)

    def test_by_code_anywhere_in_the_title(self):
        code = self.sam_a.code
        for summary in (code, f"Session {code}", f"{code.lower()}: weekly", f"({code})"):
            with self.subTest(summary):
                self.assertEqual(self.match(summary), self.sam_a)

    def test_a_code_inside_a_longer_number_is_not_a_code(self):
        self.assertIsNone(self.match(f"{self.sam_a.code}9"))

    def test_by_full_name_ignoring_case_and_accents(self):
        for summary in ("Élodie Durand", "elodie durand - session", "Therapy: ELODIE  DURAND"):
            with self.subTest(summary):
                self.assertEqual(self.match(summary), self.elodie)

    def test_a_name_is_matched_as_whole_words_only(self):
        self.assertIsNone(self.match("Élodie Durandeau"))
        self.assertIsNone(self.match("Annabel"))

    def test_a_preferred_name_shared_by_two_clients_is_ambiguous(self):
        self.assertIsNone(self.match("Sam 10:00"))
        # The full name settles it.
        self.assertEqual(self.match("Samantha Reyes"), self.sam_b)

    def test_two_codes_of_two_clients_is_ambiguous(self):
        self.assertIsNone(self.match(f"{self.sam_a.code} and {self.sam_b.code}"))

    def test_a_name_inside_a_longer_client_name_is_the_longer_one(self):
        self.assertEqual(self.match("Ann Lee"), self.ann_lee)
        self.assertEqual(self.match("Ann"), self.ann)

    def test_another_therapists_clients_are_never_matched(self):
        self.assertIsNone(self.match("Marguerite Vasquez"))
        self.assertIsNone(self.match("Thaddeus Brightwater"))
        # A code alice has not given (bob has C-0002, she has five clients): nobody.
        self.assertIsNone(self.match("C-0009"))
        # C-0001 is alice's own Élodie, not bob's Marguerite.
        self.assertEqual(self.match("C-0001 Marguerite Vasquez"), self.elodie)

    def test_bobs_own_clients_are_matched_for_him_positive_control(self):
        self.assertEqual(self.match("Marguerite Vasquez", self.bob), self.bobs)
        self.assertEqual(self.match("C-0002", self.bob), self.bobs_second)

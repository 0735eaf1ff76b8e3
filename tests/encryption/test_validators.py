"""validate_plain_text (encryption/validators.py), the rule every stored text field applies on
top of its own: no control character but tab and line breaks, no lone surrogate."""

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase

from encryption.validators import validate_plain_text


class PlainTextValidatorTests(SimpleTestCase):
    def test_a_lone_surrogate_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            validate_plain_text("before \ud800 after")
        self.assertEqual(caught.exception.code, "surrogate")
        self.assertIn("unpaired surrogate", caught.exception.messages[0])

    def test_a_nul_character_is_refused_with_its_code(self):
        with self.assertRaises(ValidationError) as caught:
            validate_plain_text("before \x00 after")
        self.assertEqual(caught.exception.code, "control_character")
        self.assertEqual(
            caught.exception.messages,
            ["Remove the control character (code U+0000): it cannot be stored."],
        )

    def test_ordinary_text_with_tabs_newlines_and_any_script_is_accepted(self):
        validate_plain_text("Tab\there\r\nnew line · Ŋarvåsdóttir · Жук · 鷺 · 😀 · \u200d")

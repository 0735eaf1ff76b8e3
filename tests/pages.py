"""What a page gives the user: its flash messages, a form shown again with what was typed, and
the files of the export download."""

import io
import json
import re
import zipfile

from django.urls import reverse
from django.utils.html import escape

from sessions.forms import THEME_FIELD_PREFIX
from tests.builders import export_form

# Fields shown as a <select>: what was typed comes back as the selected option.
CHOICE_FIELDS = {"status", "session_type", "modality", "note_format", "risk_level"}


def messages_of(response) -> list[str]:
    """The flash messages shown on ``response``'s page."""
    return [str(message) for message in response.context["messages"]]


def follow_messages(client, response) -> list[str]:
    """The messages shown on the page a redirect leads to."""
    assert response.status_code == 302, response.status_code
    return messages_of(client.get(response["Location"]))


def export(http, client, **fields):
    """The answer to the export form of ``client`` (builders.export_form, with ``fields``)."""
    return http.post(reverse("client_export", args=[client.pk]), export_form(**fields))


def unzip(response) -> dict[str, bytes]:
    """The members of a ZIP download, by name."""
    assert response["Content-Type"] == "application/zip", response["Content-Type"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def exported_record(response) -> dict:
    """record.json of an export download."""
    return json.loads(unzip(response)["record.json"])


class RedisplayAssertions:
    """For a TestCase: a refused form is shown again with its one error and everything typed."""

    def assert_redisplayed(self, response, data: dict[str, str]) -> None:
        """Every typed value is back in the page, escaped as Django escapes it."""
        html = response.content.decode()
        for name, value in data.items():
            if not value:
                continue
            with self.subTest(field=name):
                if name in CHOICE_FIELDS or name.startswith(THEME_FIELD_PREFIX):
                    pattern = rf'<option value="{re.escape(value)}"\s+selected>'
                    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
                    self.assertIsNotNone(select, name)
                    self.assertRegex(select.group(1), pattern)
                else:
                    self.assertIn(escape(value), html)

    def assert_only_error(self, response, field: str, message: str) -> None:
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["form"].errors, {field: [message]})
        self.assertContains(response, escape(message))
        self.assertContains(response, "Nothing you typed has been lost")

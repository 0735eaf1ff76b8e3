"""The search page's themes and client names, kept per therapist between requests
(``search.forms.choices``): a warm page reads no client row, and every change shows on the next
request: a new, renamed, discharged or erased client; a new, renamed, archived or deleted theme.
Another therapist never sees the first's."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client
from clients.services import discharge_client
from search.forms import choices
from sessions.services import erase_client
from tests.base import ALICE_CANARY_NAME, PersonaTestCase, make_client, make_session
from themes.models import Category, Theme

URL = reverse("search")
CLIENT_ROWS = re.compile(r'SELECT "clients_client"\."id", "clients_client"\."therapist_id"')


def theme_options(html: str) -> dict[str, str]:
    """{value: label} of the themes select."""
    [options] = re.findall(r'<select [^>]*name="themes"[^>]*>(.*?)</select>', html, re.S)
    return dict(re.findall(r'<option value="([^"]*)"(?: selected)?>([^<]*)</option>', options))


class ChoicesTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.own_theme = Theme.objects.create(
            slug="alice-harbour", name="Harbour fear", category=Category.AFFECT, owner=cls.alice
        )
        cls.bob_theme = Theme.objects.create(
            slug="bob-lighthouse", name="Lighthouse dread", category=Category.AFFECT, owner=cls.bob
        )
        cls.second = make_client(cls.alice, full_name="Ottoline Brackwater")
        cls.second_session = make_session(
            cls.second,
            note={"subjective": "Spoke of the zebrafinch again."},
            date=datetime.date(2026, 3, 3),
            themes=[{"theme": cls.own_theme.pk, "intensity": 2}],
        )
        cls.bob_session = make_session(
            cls.bob_client, note={"subjective": "Bob's client and the zebrafinch."}
        )

    def setUp(self):
        choices.clear()  # as after a restart: the memory of this process only
        self.addCleanup(choices.clear)
        self.sign_in(self.alice)

    def page(self, **params):
        response = self.client.post(URL, params)
        self.assertEqual(response.status_code, 200)
        return response

    def names(self, response) -> list[str]:
        return [row["client"].full_name for row in response.context["rows"]]

    # --- warm ----------------------------------------------------------------------------------
    def test_a_warm_page_reads_no_client_row(self):
        first = self.page(q="zebrafinch")
        self.assertEqual(
            sorted(self.names(first)), sorted([ALICE_CANARY_NAME, "Ottoline Brackwater"])
        )
        with CaptureQueriesContext(connection) as queries:
            again = self.page(q="zebrafinch")
        self.assertEqual(self.names(again), self.names(first))
        self.assertEqual([q["sql"] for q in queries if CLIENT_ROWS.match(q["sql"])], [])
        # The names still reach the page: code and name of each result.
        html = again.content.decode()
        self.assertIn(ALICE_CANARY_NAME, html)
        self.assertIn(f"<code>{self.second.code}</code>", html)

    def test_a_cold_page_reads_the_clients_it_shows(self):
        # Control for the test above: without the kept names, the rows are read.
        self.page(q="zebrafinch")
        choices.clear()
        with CaptureQueriesContext(connection) as queries:
            self.page(q="zebrafinch")
        self.assertEqual(len([q for q in queries if CLIENT_ROWS.match(q["sql"])]), 1)

    # --- clients -------------------------------------------------------------------------------
    def test_a_renamed_client_shows_with_the_new_name(self):
        self.assertIn("Ottoline Brackwater", self.names(self.page(q="zebrafinch")))
        client = Client.objects.get(pk=self.second.pk)
        client.full_name = "Ottoline Saltmarsh"
        client.save()
        names = self.names(self.page(q="zebrafinch"))
        self.assertIn("Ottoline Saltmarsh", names)
        self.assertNotIn("Ottoline Brackwater", names)

    def test_a_new_client_is_searched_by_and_named_at_once(self):
        self.page(q="zebrafinch", client=str(self.second.pk))  # warm, scoped to another client
        new = make_client(self.alice, full_name="Perpetua Nightjar")
        make_session(new, note={"subjective": "First zebrafinch of the spring."})
        response = self.page(q="zebrafinch", client=str(new.pk))
        self.assertEqual(self.names(response), ["Perpetua Nightjar"])
        self.assertIn("Perpetua Nightjar", response.content.decode().split("</h1>")[0])
        self.assertEqual(response.context["problems"], [])

    def test_a_discharged_client_is_read_again(self):
        self.page(q="zebrafinch")
        client = Client.objects.get(pk=self.second.pk)
        discharge_client(
            client=client, discharge_date=client.intake_date, closing_summary="Ended well."
        )
        with CaptureQueriesContext(connection) as queries:
            response = self.page(q="zebrafinch")
        self.assertIn("Ottoline Brackwater", self.names(response))  # their notes stay searchable
        self.assertEqual(len([q for q in queries if CLIENT_ROWS.match(q["sql"])]), 1)

    def test_an_erased_client_leaves_the_page_and_this_memory(self):
        self.assertIn("Ottoline Brackwater", self.names(self.page(q="zebrafinch")))
        self.assertIn(self.second.pk, choices.clients_held(self.alice.pk))
        erase_client(client=Client.objects.get(pk=self.second.pk))
        # Gone from memory at once, before any request.
        self.assertNotIn(self.second.pk, choices.clients_held(self.alice.pk))
        self.assertIn(self.alice_client.pk, choices.clients_held(self.alice.pk))  # the control
        response = self.page(q="zebrafinch")
        self.assertEqual(self.names(response), [ALICE_CANARY_NAME])
        self.assertNotIn("Ottoline", response.content.decode())
        # A search scoped to them is refused, as for any client that is not the therapist's.
        refused = self.page(q="zebrafinch", client=str(self.second.pk))
        self.assertEqual(refused.context["problems"], ["Client: That client is not one of yours."])

    # --- themes --------------------------------------------------------------------------------
    def test_a_new_theme_is_offered_on_the_next_page(self):
        self.assertNotIn("Tidal grief", theme_options(self.page().content.decode()).values())
        added = Theme.objects.create(
            slug="alice-tidal", name="Tidal grief", category=Category.AFFECT, owner=self.alice
        )
        self.assertEqual(theme_options(self.page().content.decode())[str(added.pk)], "Tidal grief")

    def test_a_renamed_theme_shows_its_new_name_in_the_filter_and_the_results(self):
        self.page(q="zebrafinch")
        Theme.objects.filter(pk=self.own_theme.pk).update(name="Harbour & quay fear")
        response = self.page(q="zebrafinch")
        html = response.content.decode()
        self.assertEqual(theme_options(html)[str(self.own_theme.pk)], "Harbour &amp; quay fear")
        self.assertNotIn(">Harbour fear<", html)
        [row] = [r for r in response.context["rows"] if r["client"].pk == self.second.pk]
        self.assertEqual(row["themes"], ["Harbour & quay fear"])

    def test_an_archived_theme_still_filters_and_a_deleted_one_is_gone(self):
        self.page()
        Theme.objects.filter(pk=self.own_theme.pk).update(active=False)
        response = self.page(themes=[str(self.own_theme.pk)])
        self.assertIn(str(self.own_theme.pk), theme_options(response.content.decode()))
        self.assertEqual(self.names(response), ["Ottoline Brackwater"])
        unused = Theme.objects.create(
            slug="alice-unused", name="Never used", category=Category.AFFECT, owner=self.alice
        )
        self.assertIn(str(unused.pk), theme_options(self.page().content.decode()))
        unused.delete()
        self.assertNotIn(str(unused.pk), theme_options(self.page().content.decode()))

    def test_the_selected_themes_are_marked_and_escaped(self):
        Theme.objects.filter(pk=self.own_theme.pk).update(name='<b>"Harbour"</b>')
        html = self.page(themes=[str(self.own_theme.pk)]).content.decode()
        self.assertIn(
            f'<option value="{self.own_theme.pk}" selected>&lt;b&gt;&quot;Harbour&quot;&lt;/b&gt;'
            "</option>",
            html,
        )
        self.assertNotIn("<b>", html)

    # --- another therapist ---------------------------------------------------------------------
    def test_another_therapist_never_sees_the_first_ones_clients_or_themes(self):
        alice_page = self.page(q="zebrafinch", client=str(self.second.pk)).content.decode()
        self.assertIn("Ottoline Brackwater", alice_page)
        self.assertIn("Harbour fear", theme_options(alice_page).values())
        self.assertNotIn("Lighthouse dread", theme_options(alice_page).values())

        self.sign_in(self.bob)
        bob = self.page(q="zebrafinch")
        html = bob.content.decode()
        self.assertEqual(self.names(bob), ["Bob's Own Client"])
        self.assertNotIn("Ottoline", html)
        self.assertNotIn(ALICE_CANARY_NAME, html)
        self.assertNotIn("Harbour fear", theme_options(html).values())
        self.assertIn("Lighthouse dread", theme_options(html).values())
        # Alice's client, whose name this process holds for her, is not one of bob's.
        scoped = self.page(q="zebrafinch", client=str(self.second.pk))
        self.assertEqual(scoped.context["problems"], ["Client: That client is not one of yours."])
        self.assertIsNone(scoped.context["scoped_client"])
        self.assertNotIn("Ottoline", scoped.content.decode())
        self.assertEqual(choices.clients_held(self.bob.pk), {self.bob_client.pk})

    def test_the_oldest_therapist_is_dropped_beyond_the_bound(self):
        self.page(q="zebrafinch")
        limit = choices.max_therapists
        try:
            choices.max_therapists = 1
            self.sign_in(self.bob)
            self.page(q="zebrafinch")
            self.assertEqual(choices.clients_held(self.alice.pk), set())
            self.assertEqual(choices.clients_held(self.bob.pk), {self.bob_client.pk})
        finally:
            choices.max_therapists = limit

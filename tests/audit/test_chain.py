"""Tamper evidence: edits, deletions, insertions and reordering made directly in the database
are reported at the first broken entry; an untouched chain verifies."""

import io

from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from audit.chain import HEAD_PREFIX, compute_mac, verify_chain
from audit.keys import generate_audit_key
from audit.models import Action, AuditEvent
from audit.services import log_event
from audit.triggers import AUDIT_TABLE
from tests.audit.helpers import request_from, triggers_off
from tests.base import make_client, make_therapist
from tests.records import raw

T = AUDIT_TABLE
COLUMNS = (
    "seq, at, user_id, username, action, object_type, object_id, client_code, ip_address, "
    "outcome, prev_mac, mac"
)


class ChainTestCase(TestCase):
    """Ten entries by alice, seq 1-10."""

    @classmethod
    def setUpTestData(cls):
        cls.alice = make_therapist("alice")
        cls.client_record = make_client(cls.alice)
        request = request_from(cls.alice)
        for index in range(10):
            action = Action.VIEW_CLIENT if index % 2 else Action.VIEW_SESSION
            log_event(action=action, request=request, obj=cls.client_record)

    def entry(self, seq: int) -> AuditEvent:
        return AuditEvent.objects.get(seq=seq)

    def assert_broken_at(self, seq: int, reason: str) -> None:
        report = verify_chain()
        self.assertFalse(report.ok, report.summary())
        self.assertEqual(report.broken_seq, seq, report.summary())
        self.assertIn(reason, report.reason)


class VerifyTests(ChainTestCase):
    def test_an_untouched_chain_verifies_with_its_count_and_head(self):
        report = verify_chain()

        self.assertTrue(report.ok, report.summary())
        self.assertEqual((report.count, report.head_seq), (10, 10))
        self.assertEqual(report.head_mac, self.entry(10).mac)
        self.assertEqual(
            report.summary(), f"ok: 10 entries, head seq 10 mac {self.entry(10).mac[:16]}…"
        )

    def test_an_empty_log_verifies(self):
        with triggers_off():
            raw(f"DELETE FROM {T}")  # noqa: S608

        self.assertEqual(verify_chain().summary(), "ok: 0 entries (the log is empty)")

    def test_another_key_breaks_the_first_entry(self):
        # The chain means something only under its own key.
        with override_settings(AUDIT_HMAC_KEY=generate_audit_key()):
            self.assert_broken_at(1, "mac mismatch")
        self.assertTrue(verify_chain().ok)  # and the setting change is undone


class TamperTests(ChainTestCase):
    def test_an_edited_field_of_a_middle_entry_is_reported_at_that_entry(self):
        for column, value in [
            ("action", "view_client"),
            ("username", "mallory"),
            ("client_code", "C-0099"),
            ("outcome", "denied"),
            ("ip_address", "198.51.100.1"),
            ("object_id", "another-id"),
        ]:
            with self.subTest(column=column), triggers_off():
                sid = "sid"
                raw(f"SAVEPOINT {sid}")
                raw(f"UPDATE {T} SET {column} = %s WHERE seq = 5", [value])  # noqa: S608
                self.assert_broken_at(5, "mac mismatch (entry edited")
                raw(f"ROLLBACK TO SAVEPOINT {sid}")
        self.assertTrue(verify_chain().ok)  # control: each edit was undone

    def test_an_edited_time_is_reported(self):
        with triggers_off():
            entry = self.entry(4)
            AuditEvent.objects.filter(seq=4).update(at=entry.at.replace(microsecond=1))

        self.assert_broken_at(4, "mac mismatch")

    def test_a_recomputed_mac_without_the_key_does_not_help(self):
        # An attacker who edits a row and "fixes" its mac with another key.
        with triggers_off():
            AuditEvent.objects.filter(seq=6).update(username="mallory", mac="ab" * 32)

        self.assert_broken_at(6, "mac mismatch")

    def test_a_deleted_middle_entry_is_reported_as_a_gap(self):
        with triggers_off():
            raw(f"DELETE FROM {T} WHERE seq = 5")  # noqa: S608

        self.assert_broken_at(6, "gap in seq: expected 5, found 6")

    def test_deleted_first_entries_are_reported(self):
        with triggers_off():
            raw(f"DELETE FROM {T} WHERE seq <= 2")  # noqa: S608

        self.assert_broken_at(3, "expected 1, found 3")

    def test_a_forged_entry_appended_is_caught(self):
        head = self.entry(10)
        with triggers_off():
            raw(
                f"INSERT INTO {T} ({COLUMNS}) VALUES "  # noqa: S608
                "(11, %s, NULL, '', 'view_client', 'client', 'x', 'C-0001', NULL, 'ok', %s, %s)",
                [head.at, head.mac, "0" * 64],
            )

        self.assert_broken_at(11, "mac mismatch")

    def test_a_forged_entry_inserted_in_the_middle_is_caught(self):
        with triggers_off():
            # Make room at seq 5 (highest first, for the unique index), then forge it.
            for seq in range(10, 4, -1):
                raw(f"UPDATE {T} SET seq = seq + 1 WHERE seq = %s", [seq])  # noqa: S608
            before = self.entry(4)
            raw(
                f"INSERT INTO {T} ({COLUMNS}) VALUES "  # noqa: S608
                "(5, %s, NULL, '', 'view_client', 'client', 'x', 'C-0001', NULL, 'ok', %s, %s)",
                [before.at, before.mac, before.mac],
            )

        self.assert_broken_at(5, "mac mismatch")

    def test_a_copy_of_a_real_entry_under_a_new_seq_is_caught(self):
        # Replaying a genuine row (its mac included) at the end of the log.
        with triggers_off():
            raw(
                f"INSERT INTO {T} ({COLUMNS}) SELECT 11, at, user_id, username, action, "  # noqa: S608
                f"object_type, object_id, client_code, ip_address, outcome, %s, mac "
                f"FROM {T} WHERE seq = 3",
                [self.entry(10).mac],
            )

        self.assert_broken_at(11, "mac mismatch")

    def test_two_whole_entries_swapped_are_reported_as_reordered(self):
        # Every column but the id swapped: each row is genuine, only their order changed.
        first, second = self.entry(4), self.entry(5)
        with triggers_off():
            raw(f"UPDATE {T} SET seq = 0 WHERE id = %s", [first.pk])  # noqa: S608
            raw(f"UPDATE {T} SET seq = 4 WHERE id = %s", [second.pk])  # noqa: S608
            raw(f"UPDATE {T} SET seq = 5 WHERE id = %s", [first.pk])  # noqa: S608
            for row, other in ((first, second), (second, first)):
                raw(
                    f"UPDATE {T} SET action = %s, at = %s, prev_mac = %s, mac = %s "  # noqa: S608
                    "WHERE id = %s",
                    [other.action, other.at, other.prev_mac, other.mac, row.pk],
                )

        # The mac chain alone would pass (each row was moved whole); the id order does not.
        self.assert_broken_at(5, "out of order")
        self.assertEqual(verify_chain().broken_id, first.pk)

    def test_two_entries_contents_swapped_in_place_are_caught(self):
        # Contents swapped but seq kept: the macs no longer fit their positions.
        first, second = self.entry(4), self.entry(5)
        with triggers_off():
            for row, other in ((first, second), (second, first)):
                raw(
                    f"UPDATE {T} SET action = %s, mac = %s WHERE id = %s",  # noqa: S608
                    [other.action, other.mac, row.pk],
                )

        self.assert_broken_at(4, "mismatch")

    def test_an_entry_from_another_chain_is_reported_as_a_broken_link(self):
        # Valid on its own (signed with the key, as in a diverging copy or an old backup) but
        # linked to a past this log does not have.
        other_past = "1" * 64
        six = AuditEvent.objects.values().get(seq=6)
        with triggers_off():
            AuditEvent.objects.filter(seq=6).update(
                prev_mac=other_past, mac=compute_mac(six, other_past)
            )

        self.assert_broken_at(6, "previous-link mismatch")


class TailTests(ChainTestCase):
    def test_deleting_the_newest_entries_is_caught_only_against_a_recorded_head(self):
        head = verify_chain()
        recorded = (head.head_seq, head.head_mac[:HEAD_PREFIX])
        with triggers_off():
            raw(f"DELETE FROM {T} WHERE seq >= 9")  # noqa: S608

        self.assertTrue(verify_chain().ok)  # the limit: a shorter chain is still a chain
        report = verify_chain(expected_head=recorded)
        self.assertFalse(report.ok)
        self.assertIn("recorded head seq 10 is missing", report.reason)

    def test_a_recorded_head_that_is_still_there_verifies(self):
        head = verify_chain()
        log_event(action=Action.VIEW_CLIENT, request=request_from(self.alice))

        report = verify_chain(expected_head=(head.head_seq, head.head_mac[:HEAD_PREFIX]))

        self.assertTrue(report.ok, report.summary())
        self.assertEqual(report.count, 11)

    def test_a_recorded_head_whose_mac_differs_is_caught(self):
        report = verify_chain(expected_head=(10, "0123456789abcdef"))

        self.assertFalse(report.ok)
        self.assertEqual(report.broken_seq, 10)


class VerifyAuditCommandTests(ChainTestCase):
    def run_command(self, *args) -> str:
        out, err = io.StringIO(), io.StringIO()
        call_command("verify_audit", *args, stdout=out, stderr=err)
        self.assertEqual(err.getvalue(), "")
        return out.getvalue()

    def test_prints_ok_with_the_count_and_head(self):
        self.assertEqual(
            self.run_command(), f"ok: 10 entries, head seq 10 mac {self.entry(10).mac[:16]}…\n"
        )

    def test_an_edit_made_directly_in_the_database_fails_with_one_line(self):
        with triggers_off():
            raw(f"UPDATE {T} SET username = 'mallory' WHERE seq = 7")  # noqa: S608

        with self.assertRaises(CommandError) as caught:
            self.run_command()

        message = str(caught.exception)
        self.assertEqual(
            message,
            f"broken: entry seq 7 (id {self.entry(7).pk}): "
            "mac mismatch (entry edited, or inserted without the key)",
        )

    def test_the_head_printed_earlier_is_accepted_back(self):
        printed = self.run_command().split("head seq ")[1].strip()  # "10 mac 0123…"
        seq, mac = printed.split(" mac ")

        self.assertTrue(self.run_command("--expect-head", f"{seq}:{mac}").startswith("ok: 10"))
        with triggers_off():
            raw(f"DELETE FROM {T} WHERE seq = 10")  # noqa: S608
        with self.assertRaisesMessage(CommandError, "recorded head seq 10 is missing"):
            self.run_command("--expect-head", f"{seq}:{mac}")

    def test_a_malformed_head_is_refused_readably(self):
        with self.assertRaisesMessage(CommandError, "--expect-head must be SEQ:MAC"):
            self.run_command("--expect-head", "ten")

    def test_missing_triggers_fail_the_check(self):
        out, err = io.StringIO(), io.StringIO()
        with triggers_off(), self.assertRaises(CommandError) as raised:
            call_command("verify_audit", stdout=out, stderr=err)

        # The chain itself is intact, and says so; the missing triggers make it exit 1.
        self.assertTrue(out.getvalue().startswith("ok: 10 entries"))
        self.assertIn("append-only triggers are missing", str(raised.exception))
        self.assertEqual(raised.exception.returncode, 1)

    def test_negative_control_with_the_triggers_in_place_it_passes(self):
        out = io.StringIO()
        call_command("verify_audit", stdout=out)
        self.assertTrue(out.getvalue().startswith("ok: 10 entries"))

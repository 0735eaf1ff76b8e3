from django.db import models


class Action(models.TextChoices):
    VIEW_CLIENT = "view_client", "Viewed client"
    VIEW_SESSION = "view_session", "Viewed session"
    VIEW_PROCESS_NOTE = "view_process_note", "Viewed process note"
    CREATE_CLIENT = "create_client", "Created client"
    EDIT_CLIENT = "edit_client", "Edited client"
    DISCHARGE_CLIENT = "discharge_client", "Discharged client"
    CREATE_SESSION = "create_session", "Created session"
    EDIT_SESSION = "edit_session", "Edited session"
    SIGN_SESSION = "sign_session", "Signed session"
    ADD_ADDENDUM = "add_addendum", "Added addendum"
    EDIT_PROCESS_NOTE = "edit_process_note", "Edited process note"
    PRINT_SUMMARY = "print_summary", "Printed summary"
    EXPORT_RECORD = "export_record", "Exported record"
    ERASE_CLIENT = "erase_client", "Erased client"
    PASSWORD_ACCEPTED = "password_accepted", "Password accepted"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_OUT = "sign_out", "Signed out"
    SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
    INTEGRITY_FAILURE = "integrity_failure", "Integrity check failed"
    CONFLICT = "conflict", "Refused stale save"
    LOCKED_OUT = "locked_out", "Sign-in locked out"
    TWO_FACTOR_SET_UP = "two_factor_set_up", "Set up two-factor sign-in"
    BACKUP_CODES_SHOWN = "backup_codes_shown", "Showed backup codes"
    BACKUP_CODES_RENEWED = "backup_codes_renewed", "Made new backup codes"
    PASSWORD_CHANGED = "password_changed", "Changed password"
    ACCOUNT_CREATED = "account_created", "Created account"
    ACCOUNT_DEACTIVATED = "account_deactivated", "Deactivated account"
    ACCOUNT_REACTIVATED = "account_reactivated", "Reactivated account"
    TWO_FACTOR_RESET = "two_factor_reset", "Reset two-factor sign-in"
    CREATE_APPOINTMENT = "create_appointment", "Made appointment"
    EDIT_APPOINTMENT = "edit_appointment", "Changed appointment"
    VIEW_APPOINTMENT = "view_appointment", "Viewed appointment"
    APPOINTMENT_STATUS = "appointment_status", "Set appointment status"
    FEED_FETCHED = "feed_fetched", "Fetched calendar feed"
    FEED_RENEWED = "feed_renewed", "Made calendar feed address"
    FEED_REVOKED = "feed_revoked", "Turned off calendar feed"
    CALENDAR_IMPORTED = "calendar_imported", "Imported calendar"
    PRINT_SESSION = "print_session", "Printed session"
    EDIT_WRITING_AID = "edit_writing_aid", "Changed note template or snippet"
    RECORD_MEASURE = "record_measure", "Recorded outcome measure"
    VIEW_MEASURES = "view_measures", "Viewed outcome measures"
    EDIT_MEASURE_SCHEDULE = "edit_measure_schedule", "Changed measures due"
    HANDOVER_STARTED = "handover_started", "Handed device to client"
    HANDOVER_ENDED = "handover_ended", "Took device back"
    HANDOVER_UNLOCK_FAILED = "handover_unlock_failed", "Failed to unlock after hand-over"
    MEASURE_LINK_CREATED = "measure_link_created", "Made questionnaire link"
    MEASURE_LINK_USED = "measure_link_used", "Questionnaire link completed"
    MEASURE_LINK_REFUSED = "measure_link_refused", "Questionnaire link refused"
    EDIT_PLAN = "edit_plan", "Edited treatment plan"
    SIGN_PLAN = "sign_plan", "Signed treatment plan"
    VIEW_PLAN = "view_plan", "Viewed treatment plan"
    RECORD_PROGRESS = "record_progress", "Recorded plan progress"
    SUMMARY_PREPARED = "summary_prepared", "Prepared case summary file"
    SUMMARY_DOWNLOADED = "summary_downloaded", "Downloaded case summary file"
    SUMMARY_DISCARDED = "summary_discarded", "Deleted case summary file"


class Outcome(models.TextChoices):
    OK = "ok", "OK"
    DENIED = "denied", "Denied"
    FAILED = "failed", "Failed"


class AuditEvent(models.Model):
    """One entry of the append-only audit log: who did what to which record, never the content.

    Entries form an HMAC chain in ``seq`` order (see ``audit.chain``); the database refuses
    UPDATE and DELETE on this table. Write entries with ``audit.services.log_event`` only.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    # Plain columns, not a foreign key: deleting or renaming a user must not touch the log.
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32, choices=Action)
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    client_code = models.CharField(max_length=16, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome, default=Outcome.OK)
    # The previous entry's mac (64 zeros for the first) and this entry's HMAC-SHA256, in hex.
    prev_mac = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["user_id", "at"]),
            models.Index(fields=["client_code"]),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.action}"

    @property
    def object_type_label(self) -> str:
        return self.object_type.replace("_", " ")

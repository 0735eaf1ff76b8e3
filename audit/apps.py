from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit log"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import signals as auth_signals
        from django.core.signals import setting_changed

        from . import checks  # noqa: F401  (registers the key check)
        from .keys import forget_key_on_setting_change
        from .signals import record_password_accepted, record_sign_in_failed, record_sign_out

        auth_signals.user_logged_in.connect(
            record_password_accepted, dispatch_uid="audit_password_accepted"
        )
        auth_signals.user_logged_out.connect(record_sign_out, dispatch_uid="audit_sign_out")
        auth_signals.user_login_failed.connect(
            record_sign_in_failed, dispatch_uid="audit_sign_in_failed"
        )
        setting_changed.connect(forget_key_on_setting_change, dispatch_uid="audit_key_setting")

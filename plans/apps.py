from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Treatment plans"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # clients and sessions sit below plans: their pages get the plan through these
        # extension points, without importing plans (docs/architecture.md).
        from clients.pages import add_to_client_page
        from sessions import form_aids, panels

        from . import erasure, note_aid, pages

        erasure.connect()
        add_to_client_page(pages.client_page_plan, every_session=False)
        panels.register("dashboard", pages.dashboard_reviews)
        panels.register("note", pages.note_progress)
        form_aids.register(note_aid.plan_aid)
        form_aids.register_fields(note_aid.add_plan_fields)
        form_aids.register_saver(note_aid.save_progress)

from django.urls import path

from . import views

urlpatterns = [
    path("", views.writing_aids, name="writing_aids"),
    path("templates/new/", views.note_template_create, name="note_template_create"),
    path("templates/<uuid:pk>/edit/", views.note_template_edit, name="note_template_edit"),
    path("templates/<uuid:pk>/delete/", views.note_template_delete, name="note_template_delete"),
    path("snippets/new/", views.snippet_create, name="snippet_create"),
    path("snippets/<uuid:pk>/edit/", views.snippet_edit, name="snippet_edit"),
    path("snippets/<uuid:pk>/delete/", views.snippet_delete, name="snippet_delete"),
]

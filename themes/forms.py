from django import forms
from django.utils.text import slugify

from accounts.names import is_visible
from encryption.validators import validate_plain_text

from .models import Category, Theme


class CustomThemeForm(forms.ModelForm):
    """A therapist's own theme: name, category and a one-line description."""

    class Meta:
        model = Theme
        fields = ["name", "category", "description", "active"]
        labels = {"active": "Offer this theme on new sessions"}
        help_texts = {
            "active": "Untick to archive: archived themes stay on the sessions that used them.",
            "description": "One line that says when to use it.",
        }

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.fields["category"].choices = Category.choices
        for name in ("name", "description"):
            self.fields[name].validators.append(validate_plain_text)

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        # A Hangul filler is a letter to isalnum(), and draws nothing.
        if not any(character.isalnum() and is_visible(character) for character in name):
            raise forms.ValidationError("Use at least one letter or digit in the name.")
        # Compared in Python: SQLite's iexact folds ASCII letters only.
        taken = Theme.objects.available_to(self.owner).exclude(pk=self.instance.pk)
        if any(theme.name.casefold() == name.casefold() for theme in taken):
            raise forms.ValidationError("You already have a theme with this name.")
        return name

    def save(self, commit=True):
        theme = super().save(commit=False)
        theme.owner = self.owner
        if not theme.slug:
            theme.slug = unique_custom_slug(self.owner, theme.name)
        if commit:
            theme.save()
        return theme


def unique_custom_slug(owner, name: str) -> str:
    """Custom slugs carry the owner's id so that two therapists never collide."""
    # URL slugs are ASCII; a name in another script gets a neutral base ("u3-theme-2").
    base = f"u{owner.pk}-{slugify(name) or 'theme'}"[:55]
    slug, counter = base, 2
    while Theme.objects.filter(slug=slug).exists():
        slug = f"{base}-{counter}"
        counter += 1
    return slug


class DeleteThemeForm(forms.Form):
    confirm = forms.BooleanField(label="Yes, delete this theme")

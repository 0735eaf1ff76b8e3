from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from encryption.validators import validate_plain_text

from .models import Account
from .names import validate_visible_name


class SignInForm(AuthenticationForm):
    """Django's sign-in form; its error never says which of the two was wrong."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # AuthenticationForm sets max_length after the field is built, so nothing enforced it:
        # a longer name reached django-axes, whose varchar(255) made it a 500 on PostgreSQL.
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label="Code",
        max_length=32,
        strip=True,
        help_text="The six digits your authenticator app shows, or one of your backup codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class SetupCodeForm(forms.Form):
    otp_token = forms.CharField(
        label="Code from the app",
        max_length=12,
        strip=True,
        help_text="After scanning, type the six digits the app shows.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PasswordConfirmForm(forms.Form):
    """Re-entering the password before a change to the second factor."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.", code="wrong_password")
        return password


class NewTherapistForm(forms.Form):
    """A practice administrator opens an account; the therapist sets up 2FA at first sign-in."""

    username = forms.CharField(max_length=150, help_text="Letters, digits and @ . + - _ only.")
    first_name = forms.CharField(max_length=150, validators=[validate_visible_name])
    last_name = forms.CharField(max_length=150, required=False, validators=[validate_visible_name])
    email = forms.EmailField(required=False)
    password = forms.CharField(
        label="First password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Tell it to the therapist in person; they can change it after signing in.",
    )

    def clean_username(self):
        username = self.cleaned_data["username"]
        model = get_user_model()
        model.username_validator(username)
        if model._default_manager.filter(username__iexact=username).exists():
            raise forms.ValidationError("There is already an account with this username.")
        return username

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            candidate = get_user_model()(
                username=cleaned.get("username", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class CredentialsForm(forms.ModelForm):
    """The user's own qualifications, printed under their name on the summaries they prepare."""

    class Meta:
        model = Account
        fields = ["credentials"]
        help_texts = {
            "credentials": "As you sign reports, e.g. “MSc, UKCP registered psychotherapist”. "
            "Printed under your name on the case summaries you prepare.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credentials"].validators.append(validate_plain_text)

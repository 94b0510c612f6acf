from django.contrib.auth import authenticate, logout
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Django's login form, worded as the team says it, and easy to fill on a phone."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.label = _("Username")
        username.widget.attrs.update(
            {"autocapitalize": "none", "autocorrect": "off", "autocomplete": "username"}
        )
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form, but the current password is checked like a login.

    A phone left logged in must not let anyone guess the password at leisure:
    each wrong current password counts towards the login lockout, and reaching
    it ends the session.
    """

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        user = authenticate(self.request, username=self.user.get_username(), password=old_password)
        if getattr(self.request, "axes_locked_out", False):
            logout(self.request)
        if user is None or user.pk != self.user.pk:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password

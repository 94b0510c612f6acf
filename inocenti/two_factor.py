"""Two-factor login with a phone's authenticator app (TOTP, RFC 6238).

Optional for every staff member, required for superusers: a superuser who has
no device yet is sent to set one up before any other page. The choice is made
once at login (``on_login``) and kept in the session, so that other users pay
nothing for it on each request.
"""

import django_otp
import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from inocenti.middleware import SECOND_FACTOR_PENDING

DEVICE_NAME = "authenticator"
# The session key of a secret shown for set-up and not confirmed yet.
PENDING_KEY = "two_factor_pending_key"
WRONG_CODE = _("This code is not right, or has expired. Try the current one.")


def on_login(sender, request, user, **kwargs) -> None:
    """Marks the new session as waiting for a code, or for a device (superusers)."""
    if request is None:
        return
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        request.session[SECOND_FACTOR_PENDING] = "verify"
    elif user.is_superuser:
        request.session[SECOND_FACTOR_PENDING] = "setup"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].replace(" ", "")


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _verified(request, device) -> None:
    django_otp.login(request, device)
    request.session.pop(SECOND_FACTOR_PENDING, None)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    if request.session.get(SECOND_FACTOR_PENDING) != "verify":
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if form.is_valid():
        device = django_otp.match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            _verified(request, device)
            return redirect(_next_url(request))
        form.add_error("code", WRONG_CODE)
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Shows a new secret as a QR code; the first right code saves the device.

    The secret waits in the session, not in an unconfirmed device: two taps
    or two tabs cannot leave two half-made devices behind.
    """
    user = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        messages.info(request, _("Two-step login is already on for your account."))
        return redirect("two_factor")
    key = request.session.setdefault(PENDING_KEY, default_key())
    device = TOTPDevice(user=user, name=DEVICE_NAME, key=key, confirmed=True)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if _matches(device, form.cleaned_data["code"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
                device.save()
            del request.session[PENDING_KEY]
            _verified(request, device)
            messages.success(request, _("Two-step login is on: from now on we ask for a code."))
            return redirect(_next_url(request))
        form.add_error("code", WRONG_CODE)
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#212529"),
        "secret": _grouped(device.config_url),
        "required": user.is_superuser,
    }
    return render(request, "registration/two_factor_setup.html", context)


def _matches(device: TOTPDevice, code: str) -> bool:
    """Checks a code against a device not saved yet (its own check would save it)."""
    if not code.isdigit():
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return totp.verify(int(code), tolerance=device.tolerance)


def _grouped(config_url: str) -> str:
    """The base32 secret from the otpauth URL, in groups of four for typing by hand."""
    secret = config_url.split("secret=", 1)[1].split("&", 1)[0]
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request):
    """The account's two-step login: on or off, and turning it off (not for superusers)."""
    user = request.user
    enabled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and enabled and not user.is_superuser and form.is_valid():
        if django_otp.match_token(user, form.cleaned_data["code"]) is None:
            form.add_error("code", WRONG_CODE)
        else:
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).delete()
            request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
            messages.success(request, _("Two-step login is off."))
            return redirect("two_factor")
    return render(
        request,
        "registration/two_factor.html",
        {"enabled": enabled, "form": form, "may_disable": not user.is_superuser},
    )

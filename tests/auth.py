"""Logging a test client in as a user who passed the second factor too."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from inocenti.middleware import SECOND_FACTOR_PENDING


def force_login_verified(client, user):
    """Superusers must use two-step login; this logs one in with it done."""
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session.pop(SECOND_FACTOR_PENDING, None)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client

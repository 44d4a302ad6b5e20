"""The fields of an account (administrator or API user), and of API users only."""

from __future__ import annotations

from otpbroker.config.fields import PHONE, _flag, _str
from otpbroker.config.rules import Setting
from otpbroker.i18n.translate import N_

SCRYPT_HASH = (
    r"(?:scrypt\$[0-9]+\$[0-9]+\$[0-9]+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+)?",
    N_("empty or an scrypt hash made by set_password"),
)


#: The docs that name the kind of account: (login name, inactive, blocked).
ACCOUNT_DOCS = {
    "api_users": (
        N_("API user login name (unique, case-insensitively)."),
        N_("An inactive API user cannot log in."),
        N_("A blocked API user cannot log in."),
    ),
    "admins": (
        N_("Administrator login name (unique, case-insensitively)."),
        N_("An inactive administrator cannot log in."),
        N_("A blocked administrator cannot log in."),
    ),
}


def account_fields(collection: str) -> tuple[Setting, ...]:
    """The fields of an account (``collection``: api_users or admins)."""
    login_doc, inactive_doc, blocked_doc = ACCOUNT_DOCS[collection]
    return (
        _str(
            "username",
            login_doc,
            required=True,
            pattern=(r"[A-Za-z0-9._@-]{1,64}", N_("1-64 of A-Z a-z 0-9 . _ @ -")),
        ),
        _str(
            "password_hash",
            N_("Salted scrypt hash; set through set_password only."),
            secret=True,
            pattern=SCRYPT_HASH,
        ),
        _str("phone", N_("Phone number (password reset by SMS)."), pattern=PHONE),
        _str(
            "email",
            N_("E-mail address (password reset by e-mail)."),
            max_length=254,
            pattern=(r"(?:[^@\s]+@[^@\s]+\.[^@\s]+)?", N_("empty or an e-mail address")),
        ),
        _flag("active", True, inactive_doc),
        _flag("blocked", False, blocked_doc),
    )


API_USER_FIELDS: tuple[Setting, ...] = (
    Setting(
        "default_ttl_seconds",
        int,
        0,
        N_(
            "How long this user's messages are worth when a message does not say "
            "(0 = the device's sms.default_ttl_seconds)."
        ),
        minimum=0,
        maximum=604800,
    ),
    Setting(
        "default_priority",
        str,
        "otp",
        N_("Lane of this user's send-sms messages that name none: otp (overtakes bulk) or bulk."),
        choices=("otp", "bulk"),
    ),
)
"""Fields of API users only (administrators do not send)."""

"""HTTPS: the listeners' state, the installed certificate, upload of a certificate + key, and a
fresh self-signed certificate.

An upload is validated completely (PEM, not expired, key belongs to the certificate) before it
replaces anything; the refusal is shown next to the field it concerns and the served
certificate stays as it was. After a change, new HTTPS connections get the new certificate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import bottle

from otpbroker.i18n.formats import format_datetime
from otpbroker.i18n.translate import N_, _
from otpbroker.web.admin.render import flash, render, see_other
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices

MAX_PEM_BYTES = 64 * 1024  # a certificate chain of a few certificates fits many times over
MAX_FORM_BYTES = 3 * MAX_PEM_BYTES
FIELDS = ("cert", "key")
#: What a missing file's field says.
MISSING = {"cert": N_("choose the certificate file (PEM)"),
           "key": N_("choose the private key file (PEM)")}  # fmt: skip


def utc(moment: datetime) -> str:
    """A certificate's date, written for the page's language, in UTC (and saying so)."""
    return _("{time} UTC").format(time=format_datetime(moment))


def _upload(name: str) -> tuple[bytes | None, str]:
    """The bytes of one uploaded file, or None and the reason."""
    upload = bottle.request.files.get(name)
    if upload is None:
        return None, _(MISSING[name])
    data = upload.file.read(MAX_PEM_BYTES + 1)
    if not data.strip():
        return None, _("the file is empty")
    if len(data) > MAX_PEM_BYTES:
        return None, _("the file is larger than {size} KiB; upload PEM text").format(
            size=MAX_PEM_BYTES // 1024
        )
    return data, ""


def _page(context: AdminServices, errors: dict[str, str] | None = None) -> str:
    try:
        info = context.https.info()
        problem = ""
    except Exception as exc:  # an unreadable file must not break the page
        info, problem = (
            None,
            _("the installed certificate cannot be read: {error}").format(error=exc),
        )
    return render(
        "https",
        _("HTTPS"),
        utc=utc,
        info=info,
        problem=problem,
        listeners=context.https.listener_statuses(),
        names=context.https.names(),
        max_kib=MAX_PEM_BYTES // 1024,
        errors=errors or {},
    )


def _refuse(context: AdminServices, errors: dict[str, str], status: int = 400) -> str:
    bottle.response.status = status
    errors.setdefault("_form", _("Nothing was changed: the served certificate is the same."))
    return _page(context, errors)


def _uploads() -> tuple[dict[str, bytes], dict[str, str]]:
    """``(files, errors)``: the certificate and the key, or why each is missing."""
    errors: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for name in FIELDS:
        data, error = _upload(name)
        if data is None:
            errors[name] = error
        else:
            files[name] = data
    return files, errors


def show(context: AdminServices) -> str:
    """Listener states, certificate facts and the forms."""
    return _page(context)


def upload(context: AdminServices) -> Any:
    """Validate and install the uploaded pair (303), or show why not (400/413)."""
    if (bottle.request.content_length or 0) > MAX_FORM_BYTES:
        too_large = _("the upload is larger than {size} KiB").format(size=MAX_FORM_BYTES // 1024)
        return _refuse(context, {"cert": too_large}, 413)
    files, errors = _uploads()
    if errors:
        return _refuse(context, errors)
    try:
        info = context.https.install(files["cert"], files["key"])
    except ValueError as exc:
        field = str(getattr(exc, "field", "cert"))
        return _refuse(context, {field if field in FIELDS else "cert": str(exc)})
    except Exception as exc:  # openssl missing or failing: say so, change nothing
        error = _("The certificate could not be checked: {error}").format(error=exc)
        return _refuse(context, {"_form": error}, 500)
    flash(
        _("Certificate installed ({subject}, SHA-256 {fingerprint}…); new HTTPS connections "
          "use it.").format(subject=info.subject, fingerprint=info.fingerprint_sha256[:23])
    )  # fmt: skip
    return see_other("/https")


def regenerate(context: AdminServices) -> Any:
    """Replace the certificate by a new self-signed one."""
    try:
        info = context.https.regenerate()
    except Exception as exc:
        return _refuse(context, {"_form": _("No new certificate: {error}").format(error=exc)}, 500)
    flash(
        _("New self-signed certificate (SHA-256 {fingerprint}…).").format(
            fingerprint=info.fingerprint_sha256[:23]
        )
    )
    return see_other("/https")


ROUTES = (
    Route("GET", "/https", show),
    Route("POST", "/https/upload", upload),
    Route("POST", "/https/regenerate", regenerate),
)

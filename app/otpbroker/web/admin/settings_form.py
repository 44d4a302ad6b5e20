"""A page of settings in one all-or-nothing form (API setting, SMS setting).

The form is saved with one call of the settings service: the first value the configuration
refuses is shown next to its field and nothing is stored. A page describes itself with a
``SettingsForm`` and its two handlers call ``show_form`` and ``save_form``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import bottle

from otpbroker.i18n.translate import _
from otpbroker.services.settings import SettingsRefused
from otpbroker.web.admin import forms
from otpbroker.web.admin.render import flash, render, see_other
from otpbroker.web.admin.services import AdminServices

Sections = list[tuple[str, list[str]]]


@dataclass(frozen=True)
class SettingsForm:
    """One page of settings: its path, title and template, and which keys it shows.

    ``sections(current settings)`` lists ``(legend, [key, ...])``; ``extra()`` adds values
    for the page's own template (which includes ``settings_form.tpl``). The title, legends
    and labels are English marked with ``N_``: they are translated when the page is shown.
    """

    path: str
    title: str
    template: str
    sections: Callable[[Mapping[str, Any]], Sections]
    labels: Mapping[str, str]
    extra: Callable[[], dict[str, Any]] = dict

    def keys(self, current: Mapping[str, Any]) -> list[str]:
        """Every key of the form, in order."""
        return [key for _title, group in self.sections(current) for key in group]

    def label(self, key: str) -> str:
        """The label of ``key`` on this page."""
        return forms.label(key, self.labels)


def _groups(context: AdminServices, page: SettingsForm, current: Mapping[str, Any],
            sent: Mapping[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:  # fmt: skip
    """The form's legends and fields, showing what was sent, else the stored value."""
    docs = context.settings.docs()
    groups = []
    for title, keys in page.sections(current):
        fields = []
        for key in keys:
            doc = docs.get(key, {})
            kind = forms.kind_of(doc, current.get(key))
            value = sent.get(key, current.get(key))
            fields.append(forms.field_view(key, page.label(key), kind, forms.hint(doc), value, doc))
        groups.append((_(title), fields))
    return groups


def render_form(context: AdminServices, page: SettingsForm, sent: Mapping[str, Any] | None = None,
                errors: dict[str, str] | None = None) -> str:  # fmt: skip
    """The page with the stored settings, or with what was sent and why it was refused."""
    current = context.settings.current()
    return render(page.template, _(page.title), groups=_groups(context, page, current, sent or {}),
                  settings=current, errors=errors or {}, **page.extra())  # fmt: skip


def show_form(context: AdminServices, page: SettingsForm) -> str:
    """``GET``: the form."""
    return render_form(context, page)


def _admin_page_at(path: str) -> bool:
    """True when ``path`` is a page of this admin (the API would take it over)."""
    if path.startswith("/api/") or path == "/metrics":
        return False
    try:
        bottle.request.app.router.match({"PATH_INFO": path, "REQUEST_METHOD": "GET"})
    except bottle.HTTPError as error:
        return error.status_code != 404
    return True


def read_form(context: AdminServices, keys: list[str], current: Mapping[str, Any]
              ) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:  # fmt: skip
    """``(changes, sent, errors)`` from the POSTed form; absent fields stay unchanged."""
    form = bottle.request.forms
    docs = context.settings.docs()
    changes: dict[str, Any] = {}
    sent: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in keys:
        doc = docs.get(key, {})
        kind = forms.kind_of(doc, current.get(key))
        try:
            texts = forms.texts(form, key)
        except UnicodeError:
            errors[key] = forms.not_utf8()
            continue
        if not texts:
            continue
        sent[key] = forms.parse_bool(texts) if kind == "bool" else texts[-1]
        try:
            value = forms.parse_value(kind, doc, texts)
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        problem = context.settings.path_taken(key, value, _admin_page_at)
        if problem:
            errors[key] = problem
        elif not forms.same(value, current.get(key)):
            changes[key] = value
    return changes, sent, errors


def save_form(context: AdminServices, page: SettingsForm) -> str:
    """``POST``: save the form (303 when saved, 400 with the errors when not)."""
    current = context.settings.current()
    keys = page.keys(current)
    changes, sent, errors = read_form(context, keys, current)
    if not errors and changes:
        try:
            context.settings.save(changes)
        except SettingsRefused as exc:
            forms.store_refusal(exc, keys, errors)
    if errors:
        bottle.response.status = 400
        forms.summarise(errors, page.label)
        return render_form(context, page, sent, errors)
    if changes:
        saved = ", ".join(page.label(key) for key in changes)
        flash(_("Saved: {fields}.").format(fields=saved))
    else:
        flash(_("Nothing changed."))
    raise see_other(page.path)

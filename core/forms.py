"""The input rules every form of the project applies to every field, whatever the view.

Control characters (Unicode category Cc: NUL, the C0 set, DEL, the C1 set) are refused with a message next
to the field before any field is cleaned, so a NUL byte never reaches a query (PostgreSQL refuses it in
text and psycopg raises DataError). Tab, newline and carriage return stay allowed in multi-line fields
(a Textarea widget), where a merchant pastes them on purpose; in single-line fields they are refused too.

Every form of the project derives from `ProjectForm` or `ProjectModelForm`, or mixes in
`ControlCharactersRule` ahead of a Django form class (the login forms).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

MULTI_LINE_ALLOWED = frozenset("\t\n\r")


def has_control_characters(value: str, *, multi_line: bool = False) -> bool:
    """True when `value` holds a control character a field of that kind must not accept."""
    for char in value:
        if unicodedata.category(char) == "Cc" and not (multi_line and char in MULTI_LINE_ALLOWED):
            return True
    return False


class ControlCharactersRule:
    """Mixin for a Django form: refuses control characters in every field's raw value."""

    control_characters_message = _("Remove the invisible control characters from this field.")

    def full_clean(self) -> None:
        refused = self._fields_with_control_characters()
        if refused:
            # The other fields are cleaned as usual; the refused ones are cleaned as if left empty, so
            # nothing downstream (a model lookup, a query) ever sees the raw bytes.
            data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
            for name in refused:
                data.pop(self.add_prefix(name), None)
            self.data = data
        super().full_clean()  # type: ignore[misc]
        for name in refused:
            self.errors.pop(name, None)
            self.add_error(name, self.control_characters_message)  # type: ignore[attr-defined]

    def _fields_with_control_characters(self) -> list[str]:
        if not getattr(self, "is_bound", False):
            return []
        fields: dict[str, forms.Field] = self.fields  # type: ignore[attr-defined]
        refused = []
        for name, field in fields.items():
            key = self.add_prefix(name)  # type: ignore[attr-defined]
            values = _raw_values(self.data, key)  # type: ignore[attr-defined]
            multi_line = isinstance(field.widget, forms.Textarea)
            if any(has_control_characters(v, multi_line=multi_line) for v in values):
                refused.append(name)
        return refused


def _raw_values(data: Any, key: str) -> list[str]:
    if hasattr(data, "getlist"):
        values = data.getlist(key)
    else:
        value = data.get(key)
        values = value if isinstance(value, (list, tuple)) else [value]
    return [v for v in values if isinstance(v, str)]


class ProjectForm(ControlCharactersRule, forms.Form):
    """Base of every plain form in the project."""


class ProjectModelForm(ControlCharactersRule, forms.ModelForm):
    """Base of every model form in the project."""

"""The Django admin's share of the input rules in core.forms: its add/change forms and inlines refuse
control characters like every other form, and its search box refuses them with a message instead of
handing a NUL byte to PostgreSQL (which raises DataError, a 500 page)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.forms import ProjectModelForm, has_control_characters


class ProjectModelAdmin(admin.ModelAdmin):
    form = ProjectModelForm

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        if has_control_characters(search_term):
            messages.error(request, _("Remove the invisible control characters from the search."))
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


class ProjectTabularInline(admin.TabularInline):
    form = ProjectModelForm

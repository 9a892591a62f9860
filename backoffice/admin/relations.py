"""Relation fields of the admin's forms that answer a form error to whatever id a POST
carries. Django looked the posted values up as they came: "abc" or a 5,000-digit number for
an id raised ValueError when the page was drawn again with its errors (the search boxes of
`autocomplete_fields`), and a 20-digit one OverflowError on SQLite (those boxes, and every
many-to-many field's check)."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError


def is_key(field, value) -> bool:
    """Whether `value` can be looked up in `field` (a primary key, or the target of a
    relation): of its type, and within the range its database column holds."""
    try:
        field.run_validators(field.to_python(value))
    except (ValidationError, TypeError, ValueError):
        return False
    return True


def _target(relation):
    model = relation.remote_field.model
    return model._meta.get_field(getattr(relation.remote_field, "field_name", model._meta.pk.name))


class _SelectedKeysMixin:
    def optgroups(self, name, value, attr=None):
        # Only the selected values that can be ids are looked up to be drawn.
        target = _target(self.field)
        return super().optgroups(name, [key for key in value if is_key(target, key)], attr)


class CheckedAutocompleteSelect(_SelectedKeysMixin, AutocompleteSelect):
    pass


class CheckedAutocompleteSelectMultiple(_SelectedKeysMixin, AutocompleteSelectMultiple):
    pass


class CheckedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        meta = self.queryset.model._meta
        key_field = meta.get_field(self.to_field_name) if self.to_field_name else meta.pk
        for key in value:
            if not is_key(key_field, key):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": key},
                )
        return super()._check_values(value)


class CheckedRelationsMixin:
    """For a ModelAdmin with `autocomplete_fields` or many-to-many fields."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        kwargs.setdefault("form_class", CheckedModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

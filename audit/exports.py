"""Per-form CSV/XLSX exports from the admin (django-import-export), for data managers.

One row per record; the patient's screening number and site code on every row; coded values as
the code plus a `<field>_label` column; dates ISO 8601. Rows come from the admin's queryset, so the
one visibility rule (accounts.scoping) applies to exports as to every list.
"""

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from import_export import fields, resources


class ChoiceLabel(fields.Field):
    """A coded value's label, as `get_<field>_display()` gives it, its choices read once rather than on every row.

    The labels stay lazy: they are translated when the export writes them (in the source language).
    """

    def __init__(self, model_field, **kwargs):
        super().__init__(attribute=model_field.attname, readonly=True, **kwargs)
        self.labels = dict(make_hashable(model_field.flatchoices))

    def get_value(self, instance):
        value = getattr(instance, self.attribute)
        return force_str(self.labels.get(make_hashable(value), value), strings_only=True)


class FormResource(resources.ModelResource):
    """A form's rows, each naming its patient's screening number and site code (reached by `site_path`)."""

    site_path = "patient__site"

    def filter_export(self, queryset, **kwargs):
        # One join for every row's patient and site, not two queries a row.
        return super().filter_export(queryset, **kwargs).select_related(self.site_path)


def resource_for(model, patient_path="patient"):
    """A FormResource for `model` whose patient is reached by `patient_path` ("" for Patient)."""
    prefix = f"{patient_path}__" if patient_path else ""
    columns = {
        "screening_number": fields.Field(attribute=f"{prefix}screening_number", column_name="screening_number"),
        "site_code": fields.Field(attribute=f"{prefix}site__code", column_name="site_code"),
    }
    for field in model._meta.concrete_fields:
        if field.choices:
            columns[f"{field.name}_label"] = ChoiceLabel(field, column_name=f"{field.name}_label")

    class Meta:
        pass

    Meta.model = model
    Meta.fields = [
        "screening_number",
        "site_code",
        *[f.name for f in model._meta.concrete_fields],
        *[name for name in columns if name.endswith("_label")],
    ]
    Meta.export_order = Meta.fields
    return type(f"{model.__name__}Resource", (FormResource,), {**columns, "Meta": Meta, "site_path": f"{prefix}site"})

"""Per-form CSV/XLSX exports from the admin (django-import-export), for data managers.

One row per record; the patient's screening number and site code on every row; coded values as
the code plus a `<field>_label` column; dates ISO 8601. Rows come from the admin's queryset, so the
one visibility rule (accounts.scoping) applies to exports as to every list.
"""

from import_export import fields, resources


def resource_for(model, patient_path="patient"):
    """A ModelResource for `model` whose patient is reached by `patient_path` ("" for Patient)."""
    prefix = f"{patient_path}__" if patient_path else ""
    columns = {
        "screening_number": fields.Field(attribute=f"{prefix}screening_number", column_name="screening_number"),
        "site_code": fields.Field(attribute=f"{prefix}site__code", column_name="site_code"),
    }
    for field in model._meta.concrete_fields:
        if field.choices:
            columns[f"{field.name}_label"] = fields.Field(
                attribute=f"get_{field.name}_display", column_name=f"{field.name}_label", readonly=True
            )

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
    return type(f"{model.__name__}Resource", (resources.ModelResource,), {**columns, "Meta": Meta})

from django import forms
from django.utils.translation import gettext_lazy as _


def latest_version(instance):
    """The id of the newest history row of `instance`: what the user had on screen."""
    row = instance.history.order_by("-history_id").values_list("history_id", flat=True).first()
    return row or 0


def loaded_version_or_error(form, cleaned):
    """The version the user opened, which every edit must carry (no version, no overwrite).

    A save without it would skip the optimistic lock and silently overwrite a newer save; only a
    tampered or truncated form lacks it, so the message is shown on the form, not on the hidden field.
    """
    loaded = cleaned.get("loaded_version")
    if loaded is None:
        form.errors.pop("loaded_version", None)
        raise forms.ValidationError(
            _(
                "This form arrived without the version you opened, so it could overwrite someone else's save. "
                "Nothing was saved: open the form again and re-enter your change."
            ),
            code="no_version",
        )
    return loaded


class ReasonForChangeMixin:
    """For a ModelForm that edits a saved clinical row: a required reason, and optimistic locking.

    The first entry needs no reason; every later edit does (21 CFR Part 11 §11.10(e)). The form
    also carries the version the user loaded; if someone saved the record in the meantime, the
    save is refused and nothing of either edit is lost silently.
    """

    reason_help = _("Why is this value being changed? Stored in the audit trail with your name.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["reason_for_change"] = forms.CharField(
                label=_("Reason for change"),
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=self.reason_help,
            )
            self.fields["loaded_version"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=latest_version(self.instance), required=False
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            loaded = loaded_version_or_error(self, cleaned)
            # Lock the row so that two saves cannot both pass this check (ATOMIC_REQUESTS).
            type(self.instance).objects.select_for_update().filter(pk=self.instance.pk).first()
            if latest_version(self.instance) != loaded:
                raise forms.ValidationError(
                    _(
                        "Someone else saved this form after you opened it. Your changes were not saved: "
                        "open the form again to see the current values, then re-enter your change."
                    ),
                    code="stale",
                )
        return cleaned

    @property
    def reason_for_change(self):
        return self.cleaned_data.get("reason_for_change", "")

    @property
    def changed_fields(self):
        return [name for name in self.changed_data if name not in {"reason_for_change", "loaded_version"}]


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for voiding"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The record leaves all lists but stays in the audit trail and the exports, flagged as voided."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason."))
        return reason

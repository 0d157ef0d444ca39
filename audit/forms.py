from django import forms


def latest_version(instance):
    """The id of the newest history row of `instance`: what the user had on screen."""
    row = instance.history.order_by("-history_id").values_list("history_id", flat=True).first()
    return row or 0


class ReasonForChangeMixin:
    """For a ModelForm that edits a saved clinical row: a required reason, and optimistic locking.

    The first entry needs no reason; every later edit does (21 CFR Part 11 §11.10(e)). The form
    also carries the version the user loaded; if someone saved the record in the meantime, the
    save is refused and nothing of either edit is lost silently.
    """

    reason_help = "Why is this value being changed? Stored in the audit trail with your name."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["reason_for_change"] = forms.CharField(
                label="Reason for change",
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=self.reason_help,
            )
            self.fields["loaded_version"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=latest_version(self.instance), required=False
            )

    def clean(self):
        cleaned = super().clean()
        loaded = cleaned.get("loaded_version")
        if self.instance.pk and loaded is not None:
            # Lock the row so that two saves cannot both pass this check (ATOMIC_REQUESTS).
            type(self.instance).objects.select_for_update().filter(pk=self.instance.pk).first()
            if latest_version(self.instance) != loaded:
                raise forms.ValidationError(
                    "Someone else saved this form after you opened it. Your changes were not saved: "
                    "open the form again to see the current values, then re-enter your change.",
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
        label="Reason for voiding",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=("The record leaves all lists but stays in the audit trail and the exports, flagged as voided."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason.")
        return reason

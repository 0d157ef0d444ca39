from django import forms


class ReasonForChangeMixin:
    """Adds a required "Reason for change" to a ModelForm when it edits a saved row.

    The first entry needs no reason; every later edit does (21 CFR Part 11 §11.10(e)).
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

    @property
    def reason_for_change(self):
        return self.cleaned_data.get("reason_for_change", "")


class VoidForm(forms.Form):
    reason = forms.CharField(
        label="Reason for voiding",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "The record leaves all lists but stays in the audit trail and the exports, flagged as voided."
        ),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason.")
        return reason

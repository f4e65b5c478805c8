"""The takedown request form: one of the holder's releases (or a track of it), where, when."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tunemeter.rights.territories import territories_normalize

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def subject_choices(releases) -> list:
    """Return the subject select's choices: per release, the whole release then each track."""
    choices = [("", _("Choose a release or a track"))]
    for release in releases:
        options = [(f"release:{release.pk}", _("%(title)s (whole release)") % {"title": release})]
        options += [
            (f"track:{track.pk}", f"{track.position}. {track.title}")
            for track in release.tracks.all()
        ]
        choices.append((str(release), options))
    return choices


class TakedownForm(forms.Form):
    """Ask the store to stop selling a release or track in some territories from a moment on."""

    subject = forms.ChoiceField(label=gettext_lazy("Release or track"))
    territories = forms.CharField(
        label=gettext_lazy("Territories"),
        max_length=800,
        help_text=gettext_lazy(
            "Worldwide, Worldwide minus some (Worldwide -US -CA), or a list of country "
            "codes (DE AT CH)."
        ),
    )
    effective_at = forms.DateTimeField(
        label=gettext_lazy("Effective from (UTC)"),
        input_formats=[DATETIME_INPUT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
        help_text=gettext_lazy("From this moment on, nobody there can buy it."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, releases, **kwargs):
        super().__init__(*args, **kwargs)
        self.releases = {r.pk: r for r in releases}
        self.tracks = {t.pk: t for r in releases for t in r.tracks.all()}
        self.fields["subject"].choices = subject_choices(releases)
        if not self.is_bound:
            self.initial.setdefault("effective_at", timezone.now().replace(second=0, microsecond=0))

    def clean_subject(self) -> dict:
        kind, _sep, pk = self.cleaned_data["subject"].partition(":")
        found = (self.releases if kind == "release" else self.tracks).get(
            int(pk) if pk.isdigit() else None
        )
        if kind not in ("release", "track") or found is None:
            raise ValidationError(_("Choose one of your releases or one of its tracks."))
        return {kind: found}

    def clean_territories(self) -> str:
        try:
            return territories_normalize(self.cleaned_data["territories"])
        except ValidationError as exc:
            # The rights code words the detail; the portal says what to write.
            detail = " ".join(exc.messages)
            raise ValidationError(
                _(
                    "These territories are not valid (%(detail)s). Write Worldwide, "
                    "Worldwide -US -CA, or country codes such as DE AT."
                )
                % {"detail": detail}
            ) from exc

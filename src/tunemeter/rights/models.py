"""Define rights holders, mandates, deals, splits and takedowns.

Deals are never edited: new terms are a new deal, and the old one is end-dated.
Periods are half-open, [starts_at, ends_at): a deal ending at midnight UTC does not
cover a sale at midnight. A deal stated in local dates (DDEX) also keeps them, and its
period in a territory runs from the local start to the local end there (localtime.py);
starts_at/ends_at then hold the earliest and latest instants, so a database filter on
them finds every deal that may be active.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from tunemeter.rights.exceptions import DealImmutable
from tunemeter.rights.identifiers import validate_dpid, validate_ipi, validate_isni
from tunemeter.rights.localtime import local_closes, local_opens, local_parse
from tunemeter.rights.terms import PER_MINUTE, PER_TRACK, DealTerms
from tunemeter.rights.territories import Territories, territories_parse, validate_territories

SOUND_RECORDING = "sound_recording"
PUBLISHING = "publishing"
RIGHT_TYPES = [
    (SOUND_RECORDING, "sound recording"),
    (PUBLISHING, "mechanical and publishing"),
]


def _store_currency() -> str:
    return settings.STORE_CURRENCY


class RightsHolder(models.Model):
    """A label, artist, publisher, collecting society or distributor the store pays."""

    KINDS = [
        ("label", "label"),
        ("artist", "artist"),
        ("publisher", "publisher"),
        ("society", "collecting society"),
        ("distributor", "distributor"),
    ]

    kind = models.CharField(max_length=12, choices=KINDS)
    name = models.CharField(max_length=200)
    ipi = models.CharField("IPI name number", max_length=20, blank=True, validators=[validate_ipi])
    isni = models.CharField("ISNI", max_length=20, blank=True, validators=[validate_isni])
    dpid = models.CharField("DDEX party id", max_length=40, blank=True, validators=[validate_dpid])
    contact_email = models.EmailField(blank=True)
    currency = models.CharField(max_length=3, default=_store_currency)
    payout_details = models.TextField(blank=True, help_text="bank account or payment address")
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="rights_holders"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Territorial(models.Model):
    """A scope of territories written as DDEX does (`Worldwide -US`, `DE AT`)."""

    territories = models.CharField(
        max_length=800,
        default="Worldwide",
        validators=[validate_territories],
        help_text="Worldwide, Worldwide -US -CA (excluded), or included codes: DE AT CH",
    )

    class Meta:
        abstract = True

    def scope(self) -> Territories:
        return territories_parse(self.territories)


class Period(models.Model):
    """A half-open validity period [starts_at, ends_at); no end means open-ended."""

    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def active_at(self, at) -> bool:
        return self.starts_at <= at and (self.ends_at is None or at < self.ends_at)


class Subject(models.Model):
    """What a deal, split or takedown is about: a release, or one track of it."""

    release = models.ForeignKey(
        "catalog.Release",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(class)ss",
    )
    track = models.ForeignKey(
        "catalog.Track", null=True, blank=True, on_delete=models.PROTECT, related_name="%(class)ss"
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(release__isnull=False, track__isnull=True)
                | Q(release__isnull=True, track__isnull=False),
                name="%(class)s_release_xor_track",
            )
        ]

    @property
    def subject(self):
        return self.track or self.release


def active_at_q(at) -> Q:
    """Return the filter for periods active at a moment."""
    return Q(starts_at__lte=at) & (Q(ends_at__isnull=True) | Q(ends_at__gt=at))


class Mandate(Territorial, Period):
    """A holder authorises the store to collect for a right type, territories and a period."""

    holder = models.ForeignKey(RightsHolder, on_delete=models.PROTECT, related_name="mandates")
    right_type = models.CharField(max_length=20, choices=RIGHT_TYPES)
    reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.holder} {self.get_right_type_display()} {self.territories}"


class DealMessage(models.Model):
    """A DDEX message applied to one release or track: the statement of truth its deals follow.

    The latest message from a sender for a subject replaces the deals of the earlier
    ones (ERN 4 deal semantics); a message older than the last applied is refused.
    """

    NEW, PURGE = "new", "purge"

    licensor = models.ForeignKey(RightsHolder, on_delete=models.PROTECT, related_name="+")
    release = models.ForeignKey(
        "catalog.Release", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    track = models.ForeignKey(
        "catalog.Track", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=[(NEW, NEW), (PURGE, PURGE)], default=NEW)
    sender = models.CharField(max_length=200, help_text="MessageSender PartyId (or name)")
    message_id = models.CharField(max_length=200)
    message_created_at = models.DateTimeField()
    applied_at = models.DateTimeField()

    class Meta:
        ordering = ["message_created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} message {self.message_id} from {self.sender}"


class Deal(Subject, Territorial, Period):
    """A licence to sell a release (or one track) as permanent downloads, and its royalties.

    Sound recording: `sr_share_bps` of the net revenue, at least `sr_minimum_micro` per
    track. Publishing/mechanical: the higher of `pub_share_bps` of the revenue and
    `pub_amount_micro` per track (or per started minute).
    """

    PAY_AS_YOU_GO = "PayAsYouGoModel"
    PERMANENT_DOWNLOAD = "PermanentDownload"
    PER_TRACK, PER_MINUTE = PER_TRACK, PER_MINUTE
    TERMS_FIELDS = (
        "licensor_id",
        "release_id",
        "track_id",
        "territories",
        "starts_at",
        "commercial_model",
        "use_type",
        "sr_share_bps",
        "sr_minimum_micro",
        "pub_share_bps",
        "pub_amount_micro",
        "pub_amount_per",
        "local_starts",
    )

    licensor = models.ForeignKey(RightsHolder, on_delete=models.PROTECT, related_name="deals")
    commercial_model = models.CharField(
        max_length=30, default=PAY_AS_YOU_GO, choices=[(PAY_AS_YOU_GO, PAY_AS_YOU_GO)]
    )
    use_type = models.CharField(
        max_length=30,
        default=PERMANENT_DOWNLOAD,
        choices=[(PERMANENT_DOWNLOAD, PERMANENT_DOWNLOAD)],
    )
    sr_share_bps = models.PositiveIntegerField(
        "sound recording share (bps)", validators=[MaxValueValidator(10_000)]
    )
    sr_minimum_micro = models.PositiveBigIntegerField(
        "sound recording minimum per track (micro-units)", default=0
    )
    pub_share_bps = models.PositiveIntegerField(
        "publishing share (bps)", default=0, validators=[MaxValueValidator(10_000)]
    )
    pub_amount_micro = models.PositiveBigIntegerField("publishing amount (micro-units)", default=0)
    pub_amount_per = models.CharField(
        max_length=6,
        default=PER_TRACK,
        choices=[(PER_TRACK, "per track"), (PER_MINUTE, "per minute")],
    )
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    reference = models.CharField(max_length=200, blank=True, help_text="the licensor's contract id")
    local_starts = models.CharField(
        max_length=19, blank=True, help_text="local start in each territory (naive ISO), if any"
    )
    local_ends = models.CharField(
        max_length=19, blank=True, help_text="local end (first moment not covered), if any"
    )
    message = models.ForeignKey(
        DealMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="deals"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(Subject.Meta):
        pass

    def __str__(self) -> str:
        return f"deal {self.pk}: {self.subject} from {self.licensor} ({self.territories})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            before = Deal.objects.get(pk=self.pk)
            changed = [f for f in self.TERMS_FIELDS if getattr(before, f) != getattr(self, f)]
            # An end may be set, or brought forward (to replace the deal earlier), never
            # removed or pushed back.
            moved_later = (
                before.ends_at is not None
                and (self.ends_at is None or self.ends_at > before.ends_at)
            ) or (
                bool(before.local_ends)
                and (not self.local_ends or self.local_ends > before.local_ends)
            )
            if changed or moved_later:
                raise DealImmutable(
                    "a deal's terms are never edited: end-date it and make a new deal"
                )
        super().save(*args, **kwargs)

    @property
    def terms(self) -> DealTerms:
        """Return the deal's royalty terms as one value."""
        return DealTerms.of(self)

    def opens_in(self, territory: str):
        """Return the instant this deal starts in a territory (local dates read there)."""
        if not self.local_starts:
            return self.starts_at
        return max(self.starts_at, local_opens(local_parse(self.local_starts), territory))

    def closes_in(self, territory: str):
        """Return the first instant this deal no longer covers in a territory, or None."""
        if not self.local_ends:
            return self.ends_at
        local = local_closes(local_parse(self.local_ends), territory)
        return local if self.ends_at is None else min(self.ends_at, local)

    def active_in(self, territory: str, at) -> bool:
        """Return True when the deal's period (read in territory's local time) holds at."""
        ends = self.closes_in(territory)
        return self.opens_in(territory) <= at and (ends is None or at < ends)


class Split(Subject):
    """A co-owner's share of a track's (or a release's default) right, in basis points."""

    right_type = models.CharField(max_length=20, choices=RIGHT_TYPES)
    holder = models.ForeignKey(RightsHolder, on_delete=models.PROTECT, related_name="splits")
    share_bps = models.PositiveIntegerField(validators=[MaxValueValidator(10_000)])

    class Meta(Subject.Meta):
        constraints = [
            *Subject.Meta.constraints,
            models.UniqueConstraint(
                fields=["release", "track", "right_type", "holder"], name="split_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder} {self.share_bps / 100:.2f}% of {self.subject}"


class Takedown(Subject, Territorial):
    """A release or track withdrawn from sale in territories for [effective_at, ends_at).

    A takedown is in force once confirmed (by staff, or at once when its holder had a
    mandate over the whole subject); it starts now or later, never in the past, and is
    lifted by setting its end (now or later): the past stays as it was.
    """

    effective_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lift_reason = models.TextField(blank=True)
    holder = models.ForeignKey(
        RightsHolder, null=True, blank=True, on_delete=models.PROTECT, related_name="takedowns"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(Subject.Meta):
        pass

    def __str__(self) -> str:
        return f"takedown of {self.subject} in {self.territories}"

    def active_at(self, at) -> bool:
        """Return True when this takedown is confirmed and withdraws the subject at that moment."""
        return (
            self.confirmed_at is not None
            and self.effective_at <= at
            and (self.ends_at is None or at < self.ends_at)
        )

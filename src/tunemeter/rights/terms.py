"""Hold a deal's royalty terms as one value: the five term fields, spelled out once."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

PER_TRACK, PER_MINUTE = "track", "minute"


@dataclass(frozen=True)
class DealTerms:
    """What a deal pays: a sound-recording share with a minimum, and publishing terms.

    Sound recording: `sr_share_bps` of the net revenue, at least `sr_minimum_micro` per
    track. Publishing: the higher of `pub_share_bps` of the revenue and `pub_amount_micro`
    per track (or per started minute, `pub_amount_per`).
    """

    sr_share_bps: int
    sr_minimum_micro: int = 0
    pub_share_bps: int = 0
    pub_amount_micro: int = 0
    pub_amount_per: str = PER_TRACK

    @classmethod
    def of(cls, deal: object) -> DealTerms:
        """Return the terms a deal (or anything with the five fields) carries."""
        return cls(**{f.name: getattr(deal, f.name) for f in fields(cls)})

    def as_fields(self) -> dict[str, object]:
        """Return the terms as the Deal model's field values."""
        return asdict(self)

    @property
    def pays_publishing(self) -> bool:
        """Return True when the terms pay a publishing (mechanical) royalty too."""
        return bool(self.pub_share_bps or self.pub_amount_micro)

"""JSON output of a review: a documented, versioned shape (schemas/review-v1.schema.json)."""
from __future__ import annotations

import json

from reviewbot.model import Review

SCHEMA_ID = "reviewbot/review/v1"


def review_dict(review: Review) -> dict:
    s = review.series
    return {
        "schema": SCHEMA_ID,
        "findings": [f.to_dict() for f in review.findings],
        "base": review.base,
        "base_source": review.base_source,
        "skipped": [x.to_dict() for x in review.skipped],
        "series": {
            "subject": s.subject,
            "version": s.version,
            "source": s.source,
            "patches": [{"index": p.index, "subject": p.subject, "author": p.author, "commit": p.commit}
                        for p in s.patches],
        },
    }


def render(reviews: list[Review]) -> str:
    """One review is the documented object; several series give {"reviews": [...]} of them."""
    if len(reviews) == 1:
        return json.dumps(review_dict(reviews[0]), indent=2, ensure_ascii=False) + "\n"
    return json.dumps({"schema": SCHEMA_ID, "reviews": [review_dict(r) for r in reviews]}, indent=2,
                      ensure_ascii=False) + "\n"

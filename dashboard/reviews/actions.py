"""The review vocabulary: what an analyst can decide about an item, and the reason codes.

Kept free of imports so the Explorer's filters can name decisions without loading the database.
"""

from __future__ import annotations

ACCEPTED = "accepted"
REPRICE = "reprice"
INVESTIGATE = "investigate"
DATA_ERROR = "data_error"
UNREVIEWED = "unreviewed"

#: Decisions in the order the page offers them; a decision's code in arrays is its index + 1.
ACTIONS: tuple[str, ...] = (ACCEPTED, REPRICE, INVESTIGATE, DATA_ERROR)
ACTION_LABELS = {
    ACCEPTED: "Accepted as is",
    REPRICE: "Reprice",
    INVESTIGATE: "Investigate",
    DATA_ERROR: "Data error",
    UNREVIEWED: "Unreviewed",
}
#: What the Explorer can filter by: no decision yet, or one of the decisions.
DECISION_FILTERS: tuple[str, ...] = (UNREVIEWED, *ACTIONS)

REASON_CODES = {
    "price_correct": "Price is right (model misses something)",
    "strategic": "Strategic or promotional price",
    "contract": "Contract or agreed price",
    "competitor": "Competitor price",
    "cost_change": "Cost changed",
    "clearance": "Clearance or end of line",
    "bad_data": "Wrong attribute or price data",
    "needs_owner": "Needs the category owner",
    "other": "Other (see note)",
}
MAX_NOTE_CHARS = 2_000

#: A reprice's approval status: proposed by its author, then approved or rejected by someone else.
PROPOSED = "proposed"
APPROVED = "approved"
REJECTED = "rejected"
VERDICTS: tuple[str, ...] = (APPROVED, REJECTED)
STATUS_LABELS = {
    PROPOSED: "Pending approval",
    APPROVED: "Approved",
    REJECTED: "Rejected",
}
EXTREME_LABEL = "extreme, confirmed"

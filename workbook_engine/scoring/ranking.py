"""Ranking, the 优秀预备人选 cut and the bonus allocation (SPEC §5).

    scores 98, 96, 96, 90            → ranks 1, 2, 2, 4
    N = 10 ranked, ratio 30% → k = 3; scores 99, 97, 95, 95, 90 …
        99, 97 是; the two 95s need 2 places but 1 is left → both 并列待定
    pool 10000.00, coefficients 0.95, 0.90, 0.90 → 3392.86, 3303.57, 3303.57 (sum exact)
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, localcontext

YES, NO, TIED = "是", "否", "并列待定"
CENT = Decimal("0.01")


def competition_ranks(scores: list[Decimal]) -> list[int]:
    """Rank of each score, highest first; equal scores share a rank (1, 2, 2, 4)."""
    ordered = sorted(scores, reverse=True)
    first_place = {}
    for position, score in enumerate(ordered, start=1):
        first_place.setdefault(score, position)
    return [first_place[score] for score in scores]


def candidates(scores: list[Decimal], ratio: Decimal) -> list[str]:
    """是 / 并列待定 / 否 for each score: the top floor(N × ratio), ties at the cut left open."""
    count = len(scores)
    k = int((Decimal(count) * ratio).to_integral_value(rounding=ROUND_DOWN))
    if k == 0:
        return [NO] * count
    cut = sorted(scores, reverse=True)[k - 1]
    above = sum(1 for s in scores if s > cut)
    equal = sum(1 for s in scores if s == cut)
    at_cut = YES if above + equal <= k else TIED
    return [YES if s > cut else at_cut if s == cut else NO for s in scores]


def allocate(pool: Decimal, coefficients: list[Decimal]) -> list[Decimal]:
    """Split the pool in proportion to the coefficients, to the cent, summing exactly to pool.

    Each share is cut down to the cent; the cents left over go one by one to the largest
    remainders (earlier entries first on equal remainders).
    """
    total = sum(coefficients, Decimal(0))
    if total == 0 or pool <= 0:
        return [Decimal("0.00")] * len(coefficients)
    with localcontext() as ctx:
        ctx.prec = 50
        exact = [pool * c / total for c in coefficients]
        floors = [share.quantize(CENT, rounding=ROUND_DOWN) for share in exact]
        left = int(((pool.quantize(CENT) - sum(floors, Decimal(0))) / CENT).to_integral_value())
        order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
        for index in order[:left]:
            floors[index] += CENT
    return floors

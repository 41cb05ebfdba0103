"""Where every field of the weekly and monthly forms lives: one source for writer and reader.

The defined names, sheet names and headers here are the file contracts of SPEC §4.2–4.3.
The writer places cells at these addresses and defines the names; the reader looks the names
up in a returned workbook and falls back to these addresses when a program dropped them
(an .xls or .ods keeps sheets and cells but not always the names).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

TEMPLATE_VERSION = "1"

META_SHEET = "_meta"
WEEKLY_SHEET = "周考评表"
WORKLOG_SHEET = "工作日志"
MONTHLY_SHEET = "月考评表"

WEEKLY_KIND = "weekly"
MONTHLY_KIND = "monthly"
LEADER_EDITION = "leader"
OFFICE_EDITION = "office"
EDITION_LABELS = {LEADER_EDITION: "领导评分", OFFICE_EDITION: "考核办评分"}

# Weekly form: defined name -> cell on the 周考评表 sheet (top-left cell of a merged area).
WEEKLY_CELLS: dict[str, str] = {
    "staff_id": "B3",
    "staff_name": "D3",
    "section": "F3",
    "period": "H3",
    "work_done": "B5",
    "next_plan": "B11",
    "self_grade": "B15",
    "chief_grade": "B17",
    "chief_sign": "D17",
    "chief_date": "F17",
    "chief_comment": "B18",
    "leader_grade": "B21",
    "leader_sign": "D21",
    "leader_date": "F21",
    "leader_comment": "B22",
}

WORKLOG_HEADERS = ("日期", "工作内容", "备注")
WORKLOG_HEADER_ROW = 2  # 1-based; the title is row 1, data rows follow the header
WORKLOG_NAME = "work_log"
TEMPLATE_WORKLOG_ROWS = 5  # a blank template has no week, so it offers five undated rows

# Monthly form.
STAFF_ID_HEADER, NAME_HEADER, SECTION_HEADER = "工号", "姓名", "股室"
MONTHLY_ID_HEADERS = (STAFF_ID_HEADER, NAME_HEADER, SECTION_HEADER)
WEEKLY_SUMMARY_HEADER = "周考评情况"
DEDUCTION_HEADER = "履职扣分"
REASON_HEADER = "扣分事由"
TOTAL_HEADER = "合计"
REMARK_HEADER = "备注"
# The leader's own grade of the month (SPEC §5): optional, blank = the grade follows the score.
# Forms made before this column existed have none and are read as all blank.
RATED_GRADE_HEADER = "评定等次"
MONTH_SCORE_HEADER = "月度得分"  # the month summary's column beside the item columns
# A score item of the policy may not take one of these names (its column would be ambiguous).
RESERVED_HEADERS = frozenset((*MONTHLY_ID_HEADERS, WEEKLY_SUMMARY_HEADER, DEDUCTION_HEADER,
                              REASON_HEADER, REMARK_HEADER, TOTAL_HEADER, MONTH_SCORE_HEADER,
                              RATED_GRADE_HEADER))
MONTHLY_HEADER_ROW = 4  # 1-based
SCORES_NAME = "scores"
RATER_SIGN_NAME = "rater_sign"
RATER_DATE_NAME = "rater_date"
NOT_SUBMITTED = "未交"
AWAITING_FINAL = "待评定"

# _meta sheet: key in column A, value in column B, one row each, in this order.
META_KEYS = (
    "form",
    "edition",
    "template_version",
    "staff_id",
    "rater_id",
    "period",
    "year",
    "unit",
    "people",
)


@dataclass(frozen=True)
class MonthlyColumns:
    """The column headers of one monthly edition, left to right."""

    headers: tuple[str, ...]
    item_headers: tuple[str, ...]

    def index(self, header: str) -> int:
        return self.headers.index(header)


def monthly_columns(edition: str, item_headers: tuple[str, ...]) -> MonthlyColumns:
    """Headers of a monthly edition given the item headers from the policy (`思想作风(20)`…)."""
    if edition == LEADER_EDITION:
        headers = (
            *MONTHLY_ID_HEADERS,
            WEEKLY_SUMMARY_HEADER,
            *item_headers,
            DEDUCTION_HEADER,
            REASON_HEADER,
            TOTAL_HEADER,
            RATED_GRADE_HEADER,
            REMARK_HEADER,
        )
    else:
        headers = (*MONTHLY_ID_HEADERS, *item_headers, TOTAL_HEADER, REMARK_HEADER)
    return MonthlyColumns(headers=headers, item_headers=item_headers)


@functools.lru_cache(maxsize=16384)  # as many as a sheet has columns; asked for per cell
def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_position(ref: str) -> tuple[int, int]:
    """`B17` → (16, 1): 0-based row and column."""
    letters = "".join(ch for ch in ref if ch.isalpha()).upper()
    digits = "".join(ch for ch in ref if ch.isdigit())
    col = 0
    for ch in letters:
        col = col * 26 + (ord(ch) - 64)
    return int(digits) - 1, col - 1


def absolute_ref(sheet: str, first: str, last: str | None = None) -> str:
    """`='周考评表'!$B$3` or a range, as a defined name's formula."""

    def dollar(ref: str) -> str:
        row, col = cell_position(ref)
        return f"${column_letter(col)}${row + 1}"

    target = dollar(first) if last is None else f"{dollar(first)}:{dollar(last)}"
    return f"='{sheet}'!{target}"

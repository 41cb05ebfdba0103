"""policy.toml → a frozen `Policy`: the only place that knows the numbers of the scheme.

Every number of the assessment scheme (grade thresholds, score items, bonus points, leave
entitlement, rounding, ingest limits) is kept in the workspace's policy.toml, which the
office may edit. This module reads it, checks it and reports every problem at once:

    [annual]
    bonus_capp = 30          →  InputError: policy.toml，「annual.bonus_capp」列：
                                 未知的设置项 annual.bonus_capp（是否应为 bonus_cap？）
    unused_leave_points = -1 →  「annual.unused_leave_points」不能为负数（现为 -1）

Numbers are read as `Decimal` straight from the file's text (never binary floats). Scoring
code asks the `Policy` (`round_score`, `grade_of`, `entitlement_days`, ...), never the file.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from workbook_engine.forms import layout
from workbook_engine.issues import InputError, Issue
from workbook_engine.text import clean_name, plain

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

POLICY_FILE_NAME = "policy.toml"
DEFAULT_UNIT_NAME = "某某县住房和城乡建设局"
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_PLACES = 6
_MB = 1024 * 1024

_TOP_KEYS = ("year", "unit_name", "grades", "monthly", "annual", "rounding", "ingest", "mail")
_GRADE_KEYS = ("name", "minimum")
_MONTHLY_KEYS = ("full_mark", "max_deduction", "publicity_days", "leader_items", "office_items")
_ITEM_KEYS = ("name", "max")
_ANNUAL_KEYS = (
    "bonus_cap",
    "unused_leave_points",
    "excess_leave_points",
    "activity_points",
    "candidate_ratio",
    "coefficient_divisor",
    "issuer_points",
    "leave_entitlement",
    "leavers_ranked",
    "leavers_candidates",
    "leavers_in_bonus_pool",
)
# People not in post on 31 December (SPEC §5): listed with their figures; these optional
# keys (default false) let them be ranked, be candidates, share the bonus pool.
LEAVER_KEYS = ("leavers_ranked", "leavers_candidates", "leavers_in_bonus_pool")
_ENTITLEMENT_KEYS = ("min_years", "days")
_ROUNDING_KEYS = ("score_places", "coefficient_places")
_INGEST_KEYS = (
    "max_file_mb",
    "max_unzipped_mb",
    "max_zip_entries",
    "parse_seconds",
    "parse_memory_mb",
    "settle_seconds",
)
# Column headers of the monthly form that a score item may not take as its name.
_MAIL_KEYS = ("weekly_due_working_days", "monthly_due_working_days")
_BRACKETS = "()（）"


def _plain(number: Decimal) -> str:
    """A decimal as people write it: `Decimal("20.0")` → `20`, `Decimal("0.30")` → `0.3`."""
    return format(plain(number), "f")


@dataclass(frozen=True)
class ScoreItem:
    """One monthly score item, e.g. 思想作风 out of 20."""

    name: str
    maximum: Decimal

    @cached_property  # asked for by every check of every row of a monthly form
    def header(self) -> str:
        """The monthly form's column header, e.g. `思想作风(20)`."""
        return f"{self.name}({_plain(self.maximum)})"


@dataclass(frozen=True)
class Grade:
    """A grade and the lowest (rounded) score that earns it."""

    name: str
    minimum: Decimal


@dataclass(frozen=True)
class IngestLimits:
    """Safety limits for reading submitted files (sizes in bytes)."""

    max_file_bytes: int
    max_unzipped_bytes: int
    max_zip_entries: int
    parse_seconds: int
    parse_memory_bytes: int
    settle_seconds: int = 5  # a file changed this recently and not readable yet waits


def _rebuild(cls, values: dict):
    return cls(**values)


@dataclass(frozen=True)
class MailDeadlines:
    """When mailed forms are due: the n-th working day after the week or month ends."""

    weekly_due_working_days: int
    monthly_due_working_days: int


@dataclass(frozen=True)
class Policy:
    """Every number of the scheme, read from policy.toml; immutable."""

    year: int
    unit_name: str
    grades: tuple[Grade, ...]
    full_mark: Decimal
    leader_items: tuple[ScoreItem, ...]
    office_items: tuple[ScoreItem, ...]
    max_deduction: Decimal
    publicity_days: int
    bonus_cap: Decimal
    unused_leave_points: Decimal
    excess_leave_points: Decimal
    activity_points: Decimal
    issuer_points: Mapping[str, Decimal]
    leave_entitlement: tuple[tuple[int, int], ...]
    candidate_ratio: Decimal
    score_places: int
    coefficient_places: int
    coefficient_divisor: Decimal
    limits: IngestLimits
    mail: MailDeadlines | None = None  # [mail] is optional: only `mail send` needs it
    leavers_ranked: bool = False
    leavers_candidates: bool = False
    leavers_in_bonus_pool: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.issuer_points, MappingProxyType):
            object.__setattr__(self, "issuer_points", MappingProxyType(dict(self.issuer_points)))
        for name in ("grades", "leader_items", "office_items", "leave_entitlement"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    def __reduce__(self):
        """Picklable (a reader process started by spawn gets a copy): mappings go as dicts,
        and __post_init__ makes them read-only again."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["issuer_points"] = dict(self.issuer_points)
        return _rebuild, (type(self), values)

    def __hash__(self) -> int:
        values = (getattr(self, field.name) for field in fields(self))
        return hash(tuple(tuple(v.items()) if isinstance(v, Mapping) else v for v in values))

    def round_score(self, value: Decimal | int | str | float) -> Decimal:
        """A score rounded half-up to `score_places`: 94.995 → 95.00."""
        return _round(_to_decimal(value), self.score_places)

    def round_coefficient(self, value: Decimal | int | str | float) -> Decimal:
        """A bonus coefficient rounded half-up to `coefficient_places`."""
        return _round(_to_decimal(value), self.coefficient_places)

    def grade_of(self, score: Decimal | int | str | float) -> str:
        """The grade of a score, taken on the rounded score (94.995 → 95.00 → 优秀)."""
        rounded = self.round_score(score)
        for grade in self.grades:
            if rounded >= grade.minimum:
                return grade.name
        return self.grades[-1].name

    def entitlement_days(self, full_years: int) -> int:
        """Annual-leave days for full years of service on 31 December (0 → 0, 1 → 5, ...)."""
        days = 0
        for min_years, step_days in self.leave_entitlement:
            if full_years >= min_years:
                days = step_days
        return days

    def issuer_points_of(self, issuer: str) -> Decimal | None:
        """Points of a commendation or criticism by `issuer`; None for an unknown issuer."""
        points = self.issuer_points.get(issuer)
        if points is None:
            points = self.issuer_points.get(clean_name(issuer))
        return points

    @cached_property  # asked for by every grade check of every form
    def grade_names(self) -> tuple[str, ...]:
        """Grade names from best to worst, e.g. (优秀, 称职, 基本称职, 不称职)."""
        return tuple(grade.name for grade in self.grades)

    @property
    def issuers(self) -> tuple[str, ...]:
        """The issuing bodies that count (发文机关, 组织单位), in file order."""
        return tuple(self.issuer_points)

    @property
    def lowest_grade(self) -> str:
        """The failing grade (不称职): 诫勉谈话 monthly, coefficient 0 annually."""
        return self.grades[-1].name

    @property
    def items(self) -> tuple[ScoreItem, ...]:
        """All monthly score items, leader items first."""
        return self.leader_items + self.office_items


def _to_decimal(value: Decimal | int | str | float) -> Decimal:
    if isinstance(value, bool):
        raise TypeError(f"not a score: {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return Decimal(value.strip())
    raise TypeError(f"not a score: {value!r}")


@lru_cache(maxsize=8)
def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(_quantum(places), rounding=ROUND_HALF_UP)


# --- the seed file ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _seed_template() -> str:
    return (
        resources.files("workbook_engine")
        .joinpath("data")
        .joinpath(POLICY_FILE_NAME)
        .read_text(encoding="utf-8")
    )


def _toml_string(text: str) -> str:
    """`text` as a TOML basic string, quotes and control characters escaped."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def seed_policy_text(year: int, unit_name: str) -> str:
    """The commented seed policy.toml with `{year}` and `{unit_name}` filled in."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise TypeError(f"year must be an int, not {year!r}")
    template = _seed_template()
    return template.replace("{year}", str(year)).replace("{unit_name}", _toml_string(unit_name))


def default_policy(year: int = 2026, unit_name: str = DEFAULT_UNIT_NAME) -> Policy:
    """The seed policy with the SPEC's default numbers."""
    return parse_policy(seed_policy_text(year, unit_name))


# --- loading ------------------------------------------------------------------------------


def load_policy(path: str | Path) -> Policy:
    """Read and check a policy file (UTF-8, with or without the BOM Notepad writes)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _file_error(path, "file_missing", f"找不到考核参数设置文件：{path}") from None
    except OSError as error:
        message = f"无法读取考核参数设置文件：{path}（{error.strerror or error}）"
        raise _file_error(path, "file_unreadable", message) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        message = "文件不是 UTF-8 编码，请用记事本打开后“另存为”，编码选择 UTF-8"
        raise _file_error(path, "encoding", message) from None
    return parse_policy(text, path.name)


def _file_error(path: Path, code: str, message: str) -> InputError:
    return InputError([Issue(code=f"policy.{code}", message=message, file=path.name)])


def parse_policy(text: str, file_name: str = POLICY_FILE_NAME) -> Policy:
    """Check policy text and build the Policy; InputError lists every problem found."""
    data = _parse_toml(text.removeprefix("\ufeff"), file_name)
    reader = _Reader(file_name)
    reader.check_keys(data, "", _TOP_KEYS)
    values: dict = {}
    values.update(_read_identity(reader, data))
    values["grades"] = _read_grades(reader, data)
    values.update(_read_monthly(reader, data))
    values.update(_read_annual(reader, data))
    values.update(_read_rounding(reader, data))
    values["limits"] = _read_limits(reader, data)
    values["mail"] = _read_mail(reader, data)
    _check_grades(reader, values["grades"], values.get("full_mark"))
    _check_items(reader, values)
    if reader.issues:
        raise InputError(reader.issues)
    return Policy(**values)


# --- TOML syntax --------------------------------------------------------------------------

_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")
_SYNTAX_HINTS = (
    ("Invalid value", "值的写法不对：数字直接写，文字要用英文双引号括起来"),
    ("Expected '=' after a key", "设置项名称后面缺少等号「=」"),
    ("Invalid initial character for a key", "设置项名称写法不对"),
    ("Invalid statement", "无法识别这一行"),
    ("Cannot declare", "同一节设置写了两次"),
    ("Cannot overwrite a value", "同一设置项写了两次"),
    ("Cannot mutate", "同一设置项写了两次"),
    ("Cannot redefine", "同一设置项写了两次"),
    ("Duplicate inline table key", "同一设置项写了两次"),
    ("Unterminated string", "引号没有配对"),
    ("Unescaped '\\'", "文字中的反斜杠「\\」要写成两个「\\\\」"),
    ("Unclosed array", "方括号没有配对"),
    ("Unclosed inline table", "花括号没有配对"),
    ("Expected ']", "方括号没有配对"),
    ("Expected newline or end of document", "一行只能写一个设置项，值的后面多了内容"),
    ("Illegal character '\\n'", "引号没有配对：文字的结尾缺少英文双引号"),
    ("Illegal character", "含有不允许的字符"),
    ("Found invalid character", "含有不允许的字符"),
    ("Invalid date", "日期写法不对"),
)
_FULL_WIDTH_PUNCTUATION = "＝“”‘’，：；【】［］＃"


def _parse_toml(text: str, file_name: str, code_prefix: str = "policy") -> dict:
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        raise InputError([_syntax_issue(str(error), text, file_name, code_prefix)]) from None


def _syntax_issue(detail: str, text: str, file_name: str, code_prefix: str = "policy") -> Issue:
    """A TOML syntax error as a Chinese issue on its line."""
    match = _POSITION.search(detail)
    reason = detail[: match.start()] if match else detail
    lines = text.splitlines() or [""]
    if match and match.group(1):
        line, where = int(match.group(1)), f"第 {match.group(2)} 列附近"
    else:
        line, where = len(lines), "文件末尾"
    hint = next((chinese for english, chinese in _SYNTAX_HINTS if reason.startswith(english)), "")
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    if any(char in _FULL_WIDTH_PUNCTUATION for char in source_line.split("#")[0]):
        hint += "；请检查是否用了中文全角标点（等号、引号、逗号、方括号须用英文半角）"
    message = f"格式错误（{where}）：{hint.lstrip('；') or '无法识别'}。技术信息：{reason}"
    return Issue(code=f"{code_prefix}.syntax", message=message, file=file_name, row=line)


# --- reading values -----------------------------------------------------------------------


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _describe(value: object) -> str:
    """How a wrongly typed value reads after 现为 in a message, e.g. `文字 "三十"`."""
    if isinstance(value, str):
        return f"文字 {_toml_string(value)}"
    if isinstance(value, bool):
        return f"逻辑值 {'true' if value else 'false'}"
    if isinstance(value, dict):
        return "一节设置"
    if isinstance(value, list):
        return "一组值"
    if isinstance(value, (int, Decimal)):
        return f"数字 {_plain(Decimal(value))}"
    return str(value)


class _Reader:
    """Reads values out of the parsed TOML, keeping an issue for every problem."""

    def __init__(self, file_name: str, code_prefix: str = "policy"):
        self.file_name = file_name
        self.code_prefix = code_prefix
        self.issues: list[Issue] = []

    def report(self, path: str, code: str, message: str) -> None:
        issue = Issue(code=f"{self.code_prefix}.{code}", message=message, file=self.file_name,
                      key=path)
        self.issues.append(issue)

    def check_keys(self, table: dict, path: str, known: tuple[str, ...]) -> None:
        for key in table:
            if key not in known:
                full = _join(path, key)
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"（是否应为 {_join(path, close[0])}？）" if close else ""
                self.report(full, "unknown_key", f"未知的设置项 {full}{hint}")

    def get(self, table: dict, prefix: str, key: str) -> object | None:
        if key not in table:
            self.report(_join(prefix, key), "missing_key", f"缺少设置项 {_join(prefix, key)}")
            return None
        return table[key]

    def section(self, data: dict, key: str, known: tuple[str, ...]) -> dict | None:
        """The top-level table `[key]`, its unknown keys reported; None when unusable."""
        value = self.subsection(data, "", key)
        if value is not None:
            self.check_keys(value, key, known)
        return value

    def subsection(self, table: dict, prefix: str, key: str) -> dict | None:
        path = _join(prefix, key)
        value = self.get(table, prefix, key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.report(path, "wrong_type", f"「{path}」应为一节设置，写作 [{path}]")
            return None
        return value

    def records(
        self, table: dict, prefix: str, key: str, known: tuple[str, ...]
    ) -> list[tuple[str, dict]] | None:
        """An array of tables `[[key]]` as (path, record) pairs, paths numbered from 1."""
        path = _join(prefix, key)
        value = self.get(table, prefix, key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.report(path, "wrong_type", f"「{path}」应写成若干段 [[{path}]]")
            return None
        if not value:
            self.report(path, "empty_list", f"「{path}」至少要有一项")
            return None
        pairs = [(f"{path}[{n}]", record) for n, record in enumerate(value, 1)]
        for record_path, record in pairs:
            self.check_keys(record, record_path, known)
        return pairs

    def text(self, table: dict, prefix: str, key: str) -> str | None:
        path = _join(prefix, key)
        value = self.get(table, prefix, key)
        if value is None:
            return None
        if not isinstance(value, str):
            message = f"「{path}」应为文字，用英文双引号括起来（现为{_describe(value)}）"
            self.report(path, "wrong_type", message)
            return None
        if not value.strip():
            self.report(path, "empty_text", f"「{path}」不能为空")
            return None
        return value.strip()

    def flag(self, table: dict, prefix: str, key: str, default: bool) -> bool:
        """An optional true/false setting."""
        if key not in table:
            return default
        value = table[key]
        if not isinstance(value, bool):
            path = _join(prefix, key)
            message = f"「{path}」应为 true 或 false，不加引号（现为{_describe(value)}）"
            self.report(path, "wrong_type", message)
            return default
        return value

    def number(self, table: dict, prefix: str, key: str, integer: bool = False) -> Decimal | None:
        path = _join(prefix, key)
        value = self.get(table, prefix, key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            kind = "整数" if integer else "数字"
            message = f"「{path}」应为{kind}，不加引号（现为{_describe(value)}）"
            self.report(path, "wrong_type", message)
            return None
        number = Decimal(value)
        if not number.is_finite():
            self.report(path, "not_finite", f"「{path}」应为普通数字（现为 {value}）")
            return None
        if integer and number != number.to_integral_value():
            self.report(path, "not_integer", f"「{path}」应为整数（现为 {_plain(number)}）")
            return None
        return number

    def non_negative(
        self, table: dict, prefix: str, key: str, integer: bool = False
    ) -> Decimal | None:
        number = self.number(table, prefix, key, integer)
        if number is not None and number < 0:
            path = _join(prefix, key)
            self.report(path, "negative", f"「{path}」不能为负数（现为 {_plain(number)}）")
            return None
        return number

    def positive(self, table: dict, prefix: str, key: str, integer: bool = False) -> Decimal | None:
        number = self.number(table, prefix, key, integer)
        if number is not None and number <= 0:
            path = _join(prefix, key)
            self.report(path, "not_positive", f"「{path}」必须大于 0（现为 {_plain(number)}）")
            return None
        return number

    def integer_between(
        self, table: dict, prefix: str, key: str, low: int, high: int
    ) -> int | None:
        number = self.number(table, prefix, key, integer=True)
        if number is None:
            return None
        if not low <= number <= high:
            path = _join(prefix, key)
            message = f"「{path}」应在 {low} 到 {high} 之间（现为 {_plain(number)}）"
            self.report(path, "out_of_range", message)
            return None
        return int(number)


# Other settings files (mail.toml) are read and checked the same way.
ConfigReader = _Reader
parse_toml = _parse_toml


# --- sections -----------------------------------------------------------------------------


def _read_identity(reader: _Reader, data: dict) -> dict:
    return {
        "year": reader.integer_between(data, "", "year", MIN_YEAR, MAX_YEAR),
        "unit_name": reader.text(data, "", "unit_name"),
    }


def _read_grades(reader: _Reader, data: dict) -> tuple[Grade, ...] | None:
    records = reader.records(data, "", "grades", _GRADE_KEYS)
    if records is None:
        return None
    grades = []
    for path, record in records:
        name = reader.text(record, path, "name")
        minimum = reader.non_negative(record, path, "minimum")
        grades.append(None if name is None or minimum is None else Grade(name, minimum))
    return None if any(grade is None for grade in grades) else tuple(grades)


def _read_monthly(reader: _Reader, data: dict) -> dict:
    monthly = reader.section(data, "monthly", _MONTHLY_KEYS)
    if monthly is None:
        return {}
    return {
        "full_mark": reader.positive(monthly, "monthly", "full_mark"),
        "max_deduction": reader.non_negative(monthly, "monthly", "max_deduction"),
        "publicity_days": _as_int(reader.positive(monthly, "monthly", "publicity_days",
                                                  integer=True)),
        "leader_items": _read_items(reader, monthly, "leader_items"),
        "office_items": _read_items(reader, monthly, "office_items"),
    }


def _as_int(value: Decimal | None) -> int | None:
    return None if value is None else int(value)


def _read_items(reader: _Reader, monthly: dict, key: str) -> tuple[ScoreItem, ...] | None:
    records = reader.records(monthly, "monthly", key, _ITEM_KEYS)
    if records is None:
        return None
    items = [_read_item(reader, path, record) for path, record in records]
    return None if any(item is None for item in items) else tuple(items)


def _read_item(reader: _Reader, path: str, record: dict) -> ScoreItem | None:
    name = reader.text(record, path, "name")
    maximum = reader.positive(record, path, "max")
    if name is not None and any(char in _BRACKETS for char in name):
        message = f"评分项名称「{name}」不能含括号（月考评表的列标题会写成「名称(满分)」）"
        reader.report(f"{path}.name", "bad_name", message)
        return None
    if name in layout.RESERVED_HEADERS:
        message = f"评分项名称「{name}」与月考评表的固定列重名，请换一个名称"
        reader.report(f"{path}.name", "reserved_name", message)
        return None
    if name is None or maximum is None:
        return None
    return ScoreItem(name, maximum)


def _read_annual(reader: _Reader, data: dict) -> dict:
    annual = reader.section(data, "annual", _ANNUAL_KEYS)
    if annual is None:
        return {}
    points = ("bonus_cap", "unused_leave_points", "excess_leave_points", "activity_points")
    values = {key: reader.non_negative(annual, "annual", key) for key in points}
    values["candidate_ratio"] = _read_ratio(reader, annual)
    values["coefficient_divisor"] = reader.positive(annual, "annual", "coefficient_divisor")
    values["issuer_points"] = _read_issuer_points(reader, annual)
    values["leave_entitlement"] = _read_entitlement(reader, annual)
    for key in LEAVER_KEYS:
        values[key] = reader.flag(annual, "annual", key, default=False)
    return values


def _read_ratio(reader: _Reader, annual: dict) -> Decimal | None:
    ratio = reader.number(annual, "annual", "candidate_ratio")
    if ratio is not None and not 0 < ratio <= 1:
        path = "annual.candidate_ratio"
        message = f"「{path}」应大于 0 且不大于 1（现为 {_plain(ratio)}），例如 0.30 表示 30%"
        reader.report(path, "out_of_range", message)
        return None
    return ratio


def _read_issuer_points(reader: _Reader, annual: dict) -> Mapping[str, Decimal] | None:
    prefix = "annual.issuer_points"
    table = reader.subsection(annual, "annual", "issuer_points")
    if table is None:
        return None
    if not table:
        reader.report(prefix, "empty_list", f"「{prefix}」至少要有一个发文机关")
        return None
    points: dict[str, Decimal] = {}
    complete = True
    for issuer in table:
        value = reader.non_negative(table, prefix, issuer)
        name = clean_name(issuer)
        if not name:
            reader.report(_join(prefix, issuer), "bad_name", "发文机关名称不能为空")
        elif name in points:
            reader.report(_join(prefix, issuer), "duplicate_name", f"发文机关「{name}」重复")
        complete = complete and bool(name) and name not in points and value is not None
        if value is not None:
            points.setdefault(name, value)
    return MappingProxyType(points) if complete else None


def _read_entitlement(reader: _Reader, annual: dict) -> tuple[tuple[int, int], ...] | None:
    records = reader.records(annual, "annual", "leave_entitlement", _ENTITLEMENT_KEYS)
    if records is None:
        return None
    steps = []
    for path, record in records:
        years = reader.non_negative(record, path, "min_years", integer=True)
        days = reader.non_negative(record, path, "days", integer=True)
        steps.append(None if years is None or days is None else (int(years), int(days)))
    if any(step is None for step in steps):
        return None
    _check_entitlement(reader, [path for path, _ in records], steps)
    return tuple(steps)


def _check_entitlement(reader: _Reader, paths: list[str], steps: list[tuple[int, int]]) -> None:
    first_years = steps[0][0]
    if first_years != 0:
        message = f"第一档的工作年限应为 0（现为 {first_years}），这样不满一年的人员也有对应天数"
        reader.report(f"{paths[0]}.min_years", "entitlement_start", message)
    for n in range(1, len(steps)):
        previous, current = steps[n - 1][0], steps[n][0]
        if current <= previous:
            path = f"{paths[n]}.min_years"
            message = f"「{path}」应大于上一档的 {previous}（各档须按工作年限从小到大排列，现为 {current}）"
            reader.report(path, "entitlement_order", message)


def _read_rounding(reader: _Reader, data: dict) -> dict:
    rounding = reader.section(data, "rounding", _ROUNDING_KEYS)
    if rounding is None:
        return {}
    return {
        key: reader.integer_between(rounding, "rounding", key, 0, MAX_PLACES)
        for key in _ROUNDING_KEYS
    }


def _read_limits(reader: _Reader, data: dict) -> IngestLimits | None:
    ingest = reader.section(data, "ingest", _INGEST_KEYS)
    if ingest is None:
        return None
    file_mb = reader.positive(ingest, "ingest", "max_file_mb")
    unzipped_mb = reader.positive(ingest, "ingest", "max_unzipped_mb")
    entries = reader.positive(ingest, "ingest", "max_zip_entries", integer=True)
    seconds = reader.positive(ingest, "ingest", "parse_seconds", integer=True)
    memory_mb = reader.positive(ingest, "ingest", "parse_memory_mb")
    if None in (file_mb, unzipped_mb, entries, seconds, memory_mb):
        return None
    settle = IngestLimits.settle_seconds  # optional: workspaces made before it existed
    if "settle_seconds" in ingest:
        settle = reader.integer_between(ingest, "ingest", "settle_seconds", 0, 3600)
        if settle is None:
            return None
    return IngestLimits(
        max_file_bytes=int(file_mb * _MB),
        max_unzipped_bytes=int(unzipped_mb * _MB),
        max_zip_entries=int(entries),
        parse_seconds=int(seconds),
        parse_memory_bytes=int(memory_mb * _MB),
        settle_seconds=int(settle),
    )


def _read_mail(reader: _Reader, data: dict) -> MailDeadlines | None:
    """The optional [mail] section (deadlines written into mailed forms' messages)."""
    if "mail" not in data:
        return None
    mail = reader.section(data, "mail", _MAIL_KEYS)
    if mail is None:
        return None
    weekly, monthly = (_as_int(reader.non_negative(mail, "mail", key, integer=True))
                       for key in _MAIL_KEYS)
    if weekly is None or monthly is None:
        return None
    return MailDeadlines(weekly_due_working_days=weekly, monthly_due_working_days=monthly)


# --- checks across settings ---------------------------------------------------------------


def _check_grades(
    reader: _Reader, grades: tuple[Grade, ...] | None, full_mark: Decimal | None
) -> None:
    """Grades strictly descending, ending at 0, none above the full mark, names unique."""
    if not grades:
        return
    first_seen: dict[str, int] = {}
    for n, grade in enumerate(grades, 1):
        path, shown = f"grades[{n}]", _plain(grade.minimum)
        if grade.name in first_seen:
            message = f"等次名称「{grade.name}」重复（grades[{first_seen[grade.name]}] 已有）"
            reader.report(f"{path}.name", "duplicate_name", message)
        first_seen.setdefault(grade.name, n)
        previous = grades[n - 2] if n > 1 else None
        if previous is not None and grade.minimum >= previous.minimum:
            message = (
                f"等次「{grade.name}」的最低分数 {shown} 应小于上一个等次「{previous.name}」的 "
                f"{_plain(previous.minimum)}（等次须按分数从高到低排列）"
            )
            reader.report(f"{path}.minimum", "grade_order", message)
        if full_mark is not None and grade.minimum > full_mark:
            message = f"等次「{grade.name}」的最低分数 {shown} 超过了满分 {_plain(full_mark)}"
            reader.report(f"{path}.minimum", "grade_above_full_mark", message)
    last = grades[-1]
    if last.minimum != 0:
        message = f"最后一个等次「{last.name}」的最低分数应为 0（现为 {_plain(last.minimum)}）"
        reader.report(f"grades[{len(grades)}].minimum", "grade_end", message)


def _check_items(reader: _Reader, values: dict) -> None:
    """Item names unique over both editions; maxima add up to the full mark."""
    leader, office = values.get("leader_items"), values.get("office_items")
    first_seen: dict[str, str] = {}
    for key, items in (("leader_items", leader), ("office_items", office)):
        for n, item in enumerate(items or (), 1):
            path = f"monthly.{key}[{n}]"
            if item.name in first_seen:
                message = f"评分项名称「{item.name}」重复（{first_seen[item.name]} 已有）"
                reader.report(f"{path}.name", "duplicate_name", message)
            first_seen.setdefault(item.name, path)
    full_mark = values.get("full_mark")
    if leader is None or office is None or full_mark is None:
        return
    leader_sum = sum((item.maximum for item in leader), Decimal(0))
    office_sum = sum((item.maximum for item in office), Decimal(0))
    if leader_sum + office_sum != full_mark:
        message = (
            f"评分项满分合计为 {_plain(leader_sum + office_sum)}（领导评分项 {_plain(leader_sum)}"
            f" + 考核办评分项 {_plain(office_sum)}），与月考评满分 {_plain(full_mark)} 不一致"
        )
        reader.report("monthly.full_mark", "items_sum", message)

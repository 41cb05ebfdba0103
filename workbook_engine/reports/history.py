"""The year report's 历年结果 sheet (SPEC §6): each person's 年度得分, 等次 and 排名 in the
earlier years this workspace knows (历年结果.xlsx, carried by `init --from`).

    工号 | 姓名 | 2025年度得分 | 2025等次 | 2025排名 | 2026年度得分 | 2026等次 | 2026排名
    people of this year's summary first (in its order), then people of earlier years only
"""

from __future__ import annotations

from workbook_engine.reports.book import Column, Table


def history_table(rows: list[dict], order: list[str], label: str) -> Table:
    years = sorted({r["year"] for r in rows})
    by_person: dict[str, dict] = {}
    for row in rows:
        entry = by_person.setdefault(row["staff_id"], {"name": row["name"]})
        entry[row["year"]] = row
        entry["name"] = row["name"] or entry["name"]
    ids = [i for i in order if i in by_person] + sorted(i for i in by_person if i not in order)
    columns = [Column("工号", "text", 9), Column("姓名", "text", 9)]
    for year in years:
        columns += [Column(f"{year}年度得分", "number", 11), Column(f"{year}等次", "text", 9),
                    Column(f"{year}排名", "int", 8)]
    table_rows = []
    for staff_id in ids:
        entry = by_person[staff_id]
        values = [staff_id, entry["name"]]
        for year in years:
            row = entry.get(year)
            values += [row["score"], row["grade"], row["rank"]] if row else [None, "", None]
        table_rows.append(values)
    title = f"{label}历年考核结果（往年）" if years else f"{label}历年考核结果（本工作区没有往年结果）"
    return Table("历年结果", title, columns, table_rows)

"""The affected accounts of a notice as a table for the utility's SMS platform: CSV (UTF-8 with
a byte-order mark, so that Excel reads the Chinese headers) and XLSX.

One row per service connection the outage cuts off (:func:`ops.notices.lookup.customers_cut_off`);
``账户数`` says how many accounts it serves (a block of flats is one connection of many
accounts), so the platform can reach each of them from its own account register.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from ops.notices.lookup import AffectedCustomer
from ops.notices.text import CATEGORY_ZH
from ops.outages import Outage

COLUMNS = (
    "用户编号",  # the service connection's id in the network data
    "账户数",
    "地址",
    "道路",
    "用户类别",
    "小区/单位",
    "公告编号",
    "停水开始",
    "预计恢复",
    # the Chinese names where the data has them (name_zh columns), for the message text; the
    # columns above keep the data's names, as the network and the account register write them
    "道路中文名",
    "小区/单位中文名",
    # the address as written in Chinese (南环路49号), where the data has it (address_zh)
    "地址中文",
)


def account_rows(outage: Outage, customers: Sequence[AffectedCustomer]) -> list[list[Any]]:
    """The table's rows (without the header), in the order of ``customers``."""
    c = outage.content
    start = f"{c.start:%Y-%m-%d %H:%M}"
    end = f"{c.end:%Y-%m-%d %H:%M}"
    return [
        [
            cu.id,
            cu.accounts,
            cu.address,
            cu.street,
            CATEGORY_ZH.get(cu.category, cu.category),
            cu.name,
            outage.id,
            start,
            end,
            cu.street_zh,
            cu.name_zh,
            cu.address_zh,
        ]
        for cu in customers
    ]


def accounts_csv(outage: Outage, customers: Sequence[AffectedCustomer]) -> bytes:
    """CSV, UTF-8 with a BOM (Excel on Windows reads UTF-8 without one as GBK)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(account_rows(outage, customers))
    return buffer.getvalue().encode("utf-8-sig")


def accounts_xlsx(
    outage: Outage, customers: Sequence[AffectedCustomer], notice_text: str = ""
) -> bytes:
    """XLSX: the sheet 受影响账户 (the table, its header frozen) and, with ``notice_text``,
    the sheet 通知 (the notice's Chinese text, one line a row) for the message template."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "受影响账户"
    sheet.append(list(COLUMNS))
    for row in account_rows(outage, customers):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for column, width in zip(
        "ABCDEFGHIJKL", (12, 8, 26, 18, 12, 28, 14, 17, 17, 14, 24, 20), strict=True
    ):
        sheet.column_dimensions[column].width = width
    if notice_text:
        text = book.create_sheet("通知")
        for line in notice_text.splitlines():
            text.append([line])
        text.column_dimensions["A"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""Provider functions: ``provider::vessel::vlan_range``."""
from __future__ import annotations

import re

from tfprovider import cty
from tfprovider.framework import Function, FunctionError, Parameter

_ITEM = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def parse_vlan_range(text: str) -> list[int]:
    """``"10-20,30"`` -> [10, ..., 20, 30]. Raises ValueError naming the bad item."""
    if not text.strip():
        return []
    out: set[int] = set()
    for item in text.split(","):
        m = _ITEM.match(item)
        if not m:
            raise ValueError(f'"{item.strip()}" is not a VLAN id or range such as 10 or 10-20')
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) is not None else lo
        for v in (lo, hi):
            if not 1 <= v <= 4094:
                raise ValueError(f'VLAN id {v} in "{item.strip()}" is outside 1-4094')
        if hi < lo:
            raise ValueError(f'range "{item.strip()}" runs backwards')
        out.update(range(lo, hi + 1))
    return sorted(out)


class VlanRange(Function):
    name = "vlan_range"
    summary = "Expand a VLAN range list such as \"10-20,30\" into a set of VLAN ids."
    description = ("Comma-separated VLAN ids and ranges (`a-b`, inclusive), each 1-4094. "
                   "An empty string gives an empty set.")
    parameters = [Parameter("ranges", cty.String, description='e.g. "10-20,30"')]
    return_type = cty.Set(cty.Number)

    async def run(self, ranges: str) -> list[int]:
        try:
            return parse_vlan_range(ranges)
        except ValueError as exc:
            raise FunctionError(f"vlan_range: {exc}", argument=0) from None


FUNCTIONS = [VlanRange]

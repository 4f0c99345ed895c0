"""The 200 examples of Cin7's API Blueprint (FACTS §0 [APIB]), read for the tests that check against them."""

import json
import re
from decimal import Decimal
from pathlib import Path

APIB = Path(__file__).resolve().parents[2] / "specs" / "cin7" / "dearinventory.apib"

# Slips in the reference's JSON, repaired here only: the sandbox and the client's parser stay strict JSON.
REPAIRS = (
    (re.compile(r",(\s*[}\]])"), r"\1"),  # trailing comma
    (re.compile(r"([}\]\"])(\s*\n\s*\")"), r"\1,\2"),  # missing comma between members
    (re.compile(r'(:\s*"[^"\n]*),\s*$', re.MULTILINE), r'\1",'),  # unterminated string: "2017-12-25T00:00:00,
)


def apib_example(anchor: str) -> dict:
    """The JSON body (decimals as `Decimal`) of the first `Response 200` after the line containing `anchor`,
    slips repaired."""
    lines = APIB.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if anchor in line)
    response = next(i for i in range(start, len(lines)) if re.match(r"\+ .*Response 200", lines[i].strip()))
    body_start = next(i for i in range(response + 1, len(lines)) if lines[i].strip() == "{")
    block = []
    for line in lines[body_start:]:
        if line.strip() and len(line) - len(line.lstrip()) < 8:
            break
        block.append(line)
    text = "\n".join(block)
    for pattern, replacement in REPAIRS:
        text = pattern.sub(replacement, text)
    return json.loads(text, parse_float=Decimal)

"""Synthesizes variants for the test session in a second process (tests/background.py).

``python -m tests.synth_worker ROOT VARIANT...``: for each variant not yet claimed, claims
it, synthesizes it exactly as the session would (tests/conftest.py) into ROOT/VARIANT and
writes ROOT/VARIANT.json, or ROOT/VARIANT.error with the traceback.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from tests.background import Claims
from tests.conftest import VARIANTS, synthesize


def main(root: Path, variants: list[str]) -> None:
    claims = Claims(root)
    for variant in variants:
        if not claims.claim(variant):
            continue
        try:
            record = synthesize(VARIANTS[variant], claims.folder(variant)).to_record()
        except Exception:
            claims.error_file(variant).write_text(traceback.format_exc())
            continue
        partial = claims.result_file(variant).with_suffix(".partial")
        partial.write_text(json.dumps(record))
        partial.rename(claims.result_file(variant))  # appears whole or not at all


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])

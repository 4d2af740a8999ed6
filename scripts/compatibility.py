#!/usr/bin/env python3
"""Write docs/compatibility.md again: every recorded device session replayed against `syncmld serve`.

Run it with the project's interpreter from the repository root: `.venv/bin/python scripts/compatibility.py`.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.replay.compatibility import main

if __name__ == "__main__":
    sys.exit(main())

"""Every benchmark script still imports (its helpers moved or renamed would otherwise go unseen
until someone runs `make bench`). The scripts do their work only under __main__."""
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH.glob("*.py")))
def test_bench_script_imports(script):
    code = f"import runpy; runpy.run_path({str(BENCH / script)!r}, run_name='bench_import_check')"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       cwd=BENCH.parent)
    assert p.returncode == 0, p.stderr[-3000:]

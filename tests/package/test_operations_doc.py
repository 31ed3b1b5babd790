"""test_operations_doc.py -- the alert rules docs/operations.md tells
operators to paste are valid Prometheus rules (promtool check rules)."""

import re
import shutil
import subprocess

import pytest

from conftest import REPO


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_alert_examples_are_valid_prometheus_rules(tmp_path):
    doc = (REPO / "docs" / "operations.md").read_text()
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", doc, re.S) if "groups:" in b]
    assert len(blocks) == 1
    rules = tmp_path / "rules.yml"
    rules.write_text(blocks[0])
    r = subprocess.run(["promtool", "check", "rules", str(rules)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS: 4 rules found" in r.stdout

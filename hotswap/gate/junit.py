"""JUnit XML for CI systems: a test suite of scenarios, a test case per expectation."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from hotswap.files import write_bytes
from hotswap.gate.check import Checked


def write(path: Path, checked: list[Checked]) -> None:
    cases = [(c, v) for c in checked for v in c.verdicts]
    failures = sum(not v.passed for _, v in cases)
    root = ET.Element("testsuites", name="hotswap check", tests=str(len(cases)), failures=str(failures))
    suite = ET.SubElement(
        root, "testsuite", name="hotswap check", tests=str(len(cases)), failures=str(failures), errors="0"
    )
    for c, v in cases:
        case = ET.SubElement(suite, "testcase", classname=str(c.path), name=v.what)
        if not v.passed:
            message = f"measured {v.measured}, expected {v.demanded}"
            failure = ET.SubElement(case, "failure", message=message, type="ExpectationFailed")
            failure.text = message + (f"\nbreaking seeds: {', '.join(map(str, v.seeds))}" if v.seeds else "")
    write_bytes(path, ET.tostring(root, encoding="utf-8", xml_declaration=True))

"""axe-core in a Selenium browser: inject the locally installed ``axe.min.js`` and run it on the page.

``bash .ci/install-test-deps`` installs axe-core from the npm registry into ``.ci/node_modules``
once; nothing is downloaded while a test runs. Every violation is reported with its rule id, its
impact and the elements it names, so whoever reads a failure knows what to fix and where.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

AXE_SCRIPT = Path(__file__).resolve().parent.parent / ".ci/node_modules/axe-core/axe.min.js"
#: The impacts that fail a page: axe's "serious" and "critical" (not "moderate" or "minor").
BLOCKING = ("serious", "critical")
#: Parts of Dash 4.4.1's own components left out of the check, each for a reason only Dash can fix:
#: - a dropdown's focus relay (an invisible, aria-hidden input that hands the focus straight on to
#:   the dropdown's labelled button; tests/test_accessibility.py checks the focus lands there);
#: - the date range picker's wrapper, a div with button-only ARIA attributes (its two inputs are
#:   labelled "Start Date" and "End Date").
DASH_INTERNALS = (".dash-dropdown-focus-target", ".dash-datepicker-input-wrapper")
_RUN_AXE = """
const done = arguments[arguments.length - 1];
const context = {include: [document], exclude: arguments[0].map(selector => [selector])};
axe.run(context, {resultTypes: ['violations']})
  .then(result => done(result.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.map(n => n.target.join(' '))}))))
  .catch(error => done({error: String(error)}));
"""


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:6]) + (" …" if len(self.targets) > 6 else "")
        return f"[{self.impact}] {self.rule}: {self.help} ({len(self.targets)} × {shown})"


def axe_source() -> str:
    if not AXE_SCRIPT.is_file():
        raise FileNotFoundError(
            f"{AXE_SCRIPT} is missing: run 'bash .ci/install-test-deps' (it installs axe-core)."
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(driver: Any) -> list[Violation]:
    """Every axe-core violation on the page the driver shows now, of any impact."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(axe_source())
    driver.set_script_timeout(60)
    found = driver.execute_async_script(_RUN_AXE, list(DASH_INTERNALS))
    if isinstance(found, dict):
        raise RuntimeError(f"axe-core failed on {driver.current_url}: {found.get('error')}")
    return [Violation(v["id"], str(v["impact"]), v["help"], tuple(v["targets"])) for v in found]


def blocking(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.impact in BLOCKING]


def report(page: str, violations: list[Violation]) -> str:
    """One line per violation, for a failure message or a log."""
    if not violations:
        return f"{page}: no accessibility violations"
    lines = [f"{page}: {len(violations)} accessibility violation(s)"]
    lines += [f"  {v}" for v in violations]
    return "\n".join(lines)

"""Build step that pyproject.toml cannot express: the rule pack ships inside the package.

People edit the rules in the top-level rules/ folder; a wheel (and so pip install ., pipx, an sdist
built into a wheel) carries a copy at reviewbot/rules/pack/, where reviewbot.rules.engine looks first.
Editable installs copy nothing and read rules/ from the checkout, so an edited rule takes effect at once.
"""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RULES_SOURCE = Path(__file__).resolve().parent / "rules"
RULES_IN_PACKAGE = Path("reviewbot", "rules", "pack")


class BuildPyWithRules(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for source in sorted(RULES_SOURCE.rglob("*")):
            relative = source.relative_to(RULES_SOURCE)
            if not source.is_file() or any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
                continue
            target = Path(self.build_lib, RULES_IN_PACKAGE, relative)
            self.mkpath(str(target.parent))
            self.copy_file(str(source), str(target))


setup(cmdclass={"build_py": BuildPyWithRules})

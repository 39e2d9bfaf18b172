"""The package as a user gets it from `pip install .`, pipx or a wheel: built (sdist, then a wheel from
that sdist, as `python -m build` does), installed into a fresh venv outside the checkout, and the README's
first command run with the installed CLI from a directory that is not the checkout."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from reviewbot.registry import declared
from tests.conftest import REPO

pytestmark = pytest.mark.wheel

# What the build does not need: the test copies the rest of the checkout, so a file the package reads at
# run time that is missing from the sdist or the wheel fails here.
NOT_BUILT_FROM = shutil.ignore_patterns(".git", ".venv*", "__pycache__", "*.egg-info", "build", "dist",
                                        ".pytest_cache", ".ruff_cache", ".hypothesis", "fixtures", "tests", "bench")


def _readme_review_command() -> list[str]:
    """The `reviewbot review ...` at the end of the README's first shell block."""
    block = re.search(r"```sh\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"), re.DOTALL).group(1)
    command = block.strip().split("&&")[-1].strip()
    assert command.startswith("reviewbot review "), command
    return shlex.split(command)


def _rule_ids(directory: Path) -> list[str]:
    ids = []
    for path in directory.rglob("*.yaml"):
        if path.name == "pack.yaml":  # a rule pack's own description (reviewbot.rules.packs), not a rule
            continue
        m = re.search(r"^id:\s*(\S+)", path.read_text(encoding="utf-8"), re.MULTILINE)
        ids.append(m.group(1).strip("'\""))
    return sorted(ids)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """A venv holding reviewbot from the wheel only; its dependencies are read from this test's own
    site-packages (a .pth line adds the directory without running the editable install's hooks)."""
    if shutil.which("git") is None:
        pytest.skip("git is needed for the build")
    root = tmp_path_factory.mktemp("wheel")
    source, out, venv = root / "src", root / "dist", root / "venv"
    shutil.copytree(REPO, source, ignore=NOT_BUILT_FROM)
    build = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    wheel = next(out.glob("reviewbot-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                              "--no-index", str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    new_site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              capture_output=True, text=True, check=True).stdout.strip()
    ours = [p for p in dict.fromkeys([sysconfig.get_paths()["purelib"], *site.getsitepackages()]) if Path(p).is_dir()]
    Path(new_site, "zz-test-dependencies.pth").write_text("".join(f"{p}\n" for p in ours), encoding="utf-8")
    work = root / "elsewhere"  # the cwd of every command: not the checkout, not the build directory
    work.mkdir()
    home = root / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REVIEWBOT_", "XDG_", "PYTHON"))}
    env.update(HOME=str(home), NO_COLOR="1", PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    return {"venv": venv, "python": python, "work": work, "env": env, "sdist": next(out.glob("*.tar.gz"))}


def _run(installed, *args, env=None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=installed["work"], env=env or installed["env"], capture_output=True,
                          text=True, timeout=120, **kwargs)


def test_installed_package_comes_from_the_wheel(installed):
    proc = _run(installed, str(installed["python"]), "-c", "import reviewbot; print(reviewbot.__file__)")
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()).is_relative_to(installed["venv"])


def test_readme_first_command_with_the_installed_cli(installed):
    # The README's relative paths, from a directory outside the checkout holding only those inputs.
    command = _readme_review_command()
    for arg in command:
        if arg.startswith("fixtures/"):
            shutil.copytree(REPO / arg, installed["work"] / arg, dirs_exist_ok=True)
    command[0] = str(installed["venv"] / "bin" / "reviewbot")
    proc = _run(installed, *command)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    assert "drivers/dax/device.c:133: error [RB-API-CALLER]" in proc.stdout
    assert "fs/cramfs/inode.c:425: error [RB-API-CALLER]" in proc.stdout
    assert "mm/memory.c:458: warning [RB0001] BUG_ON() added" in proc.stdout  # a rule: the pack shipped
    assert proc.stdout.rstrip().endswith("3 findings (2 errors, 1 warning) in 1 of 2 patches")


def test_wheel_and_sdist_carry_every_rule_and_the_env_still_overrides(installed):
    proc = _run(installed, "reviewbot", "rules")
    assert proc.returncode == 0, proc.stderr
    listed = [line.split()[0] for line in proc.stdout.splitlines()]
    builtin = [c.id for c in declared()]  # `rules` lists the built-in checks first, then the pack
    assert listed[:len(builtin)] == builtin
    assert sorted(listed[len(builtin):]) == _rule_ids(REPO / "rules")
    own = installed["work"] / "site-rules"
    own.mkdir(exist_ok=True)
    shutil.copy(next((REPO / "rules").rglob("RB0001-*.yaml")), own)
    proc = _run(installed, "reviewbot", "rules", env={**installed["env"], "REVIEWBOT_RULES": str(own)})
    assert [line.split()[0] for line in proc.stdout.splitlines()] == [*builtin, "RB0001"], proc.stderr
    import tarfile

    with tarfile.open(installed["sdist"]) as sdist:
        in_sdist = sorted(re.sub(r"^[^/]+/rules/", "", n) for n in sdist.getnames()
                          if re.match(r"^[^/]+/rules/.+\.(yaml|scm)$", n))
    assert in_sdist == sorted(str(p.relative_to(REPO / "rules")) for p in (REPO / "rules").rglob("*")
                              if p.suffix in (".yaml", ".scm"))


def test_every_data_file_of_the_package_is_installed(installed):
    """Queries, schemas and data lists the code reads at run time: every file under reviewbot/ that is
    not Python (nor a README for the people editing it) must be in the installed package."""
    proc = _run(installed, str(installed["python"]), "-c", "import reviewbot, pathlib; "
                "print(pathlib.Path(reviewbot.__file__).parent)")
    site_package = Path(proc.stdout.strip())
    source = REPO / "reviewbot"
    data = sorted(str(p.relative_to(source)) for p in source.rglob("*")
                  if p.is_file() and p.suffix not in (".py", ".pyc", ".md") and "__pycache__" not in p.parts)
    assert data, "no data files found: the package layout changed"
    assert [name for name in data if not (site_package / name).is_file()] == []

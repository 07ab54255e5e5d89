import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPORA = ROOT / "corpora"


@pytest.fixture(scope="session")
def novel_text() -> str:
    """The first ~200k characters of the novel shipped in corpora/."""
    path = next(p for p in CORPORA.iterdir() if p.suffix == ".txt")
    with open(path, encoding="utf-8") as f:
        return f.read(200_000)


@pytest.fixture
def write(tmp_path):
    """write(name, content) -> path; bytes are written as is, str as UTF-8."""
    def _write(name, content):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
        return str(path)
    return _write

"""``toposeg demo --quick``: the main job end to end in seconds."""

import json

from toposeg.cli import main


def test_quick_demo_prints_one_table_and_writes_figures(tmp_path, capsys):
    out = tmp_path / "demo"
    arguments = ["demo", "--quick", "--methods", "plain,dmt,warping", "--out", str(out), "--no-progress"]
    assert main(arguments) == 0
    printed = capsys.readouterr().out
    table = [line for line in printed.splitlines() if line.startswith("|")]
    assert len(table) == 2 + 3  # header, rule, one row per method
    for header in ("Dice", "ARI", "VOI", "Betti err 0", "Betti err 1", "warping err", "clDice", "s/epoch"):
        assert header in table[0]
    assert [row.split("|")[1].strip() for row in table[2:]] == ["plain", "dmt", "warping"]
    quick = out / "quick"
    for method in ("plain", "dmt", "warping"):
        assert (quick / "figures" / f"{method}.png").read_bytes()[:4] == b"\x89PNG"
    result = json.loads((quick / "comparison.json").read_text())
    assert set(result["scores"]) == {"plain", "dmt", "warping"}
    assert (quick / "comparison.md").read_text().strip() == "\n".join(table)

    # a second call reuses the finished runs and gives the same table
    assert main(arguments) == 0
    again = [line for line in capsys.readouterr().out.splitlines() if line.startswith("|")]
    strip = [row.rsplit("|", 3)[0] for row in table]  # times aside
    assert [row.rsplit("|", 3)[0] for row in again] == strip

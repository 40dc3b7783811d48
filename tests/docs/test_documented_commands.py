"""Every ``toposeg`` command written in README.md and docs/*.md runs, at a tiny size.

The commands of each page run in order in a fresh folder that holds the files they name
(``image.png``, ``big_image.tif``, ``masks/``, ``my_data/``, and ``data/`` with miniature copies
of ISBI 2012, DRIVE and TopoMortar in their distributed layouts: small images, the same files
and label conventions; the real copies are tested in ``tests/data/test_benchmarks.py``). Sizes
are made tiny (epochs, steps, samples, network) by overriding flags; what each command does is
kept. A green run means the documented commands work.
"""

import re
import shlex
import urllib.request
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
import tifffile

from toposeg.cli import main
from toposeg.proofread import ProofreadingServer

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

TRAIN = {"--epochs": "1", "--steps-per-epoch": "1", "--batch-size": "2", "--depth": "1", "--width": "2",
         "--threads": "1"}
BUILT_IN = {"--train-count": "2", "--val-count": "1", "--sample-shape": "32,32", "--patch-size": "32"}
REAL = {"--patch-size": "32", "--val-metrics": "dice"}
CV = {"--folds": "2", "--seeds": "0", "--metrics": "dice,betti_error", "--metric-option": "patch_size=16",
      "--window": "32",
      "--train-count": "4"}


def documented_commands(page: Path) -> list[str]:
    """The ``toposeg ...`` lines of the page's bash blocks (continuations joined, comments cut)."""
    commands, inside = [], False
    text = re.sub(r"\\\n\s*", " ", page.read_text(encoding="utf-8"))
    for line in text.splitlines():
        if line.strip().startswith("```"):
            inside = line.strip() in ("```bash", "```sh", "```console") if not inside else False
            continue
        line = line.split(" #")[0].strip()
        if inside and line.startswith("toposeg "):
            commands.append(line)
    return commands


def tiny(arguments: list[str]) -> list[str]:
    """The same command at a tiny size."""
    command = arguments[0]
    flags: dict[str, str] = {}
    if command == "train" and "--resume" in arguments:
        flags = {"--epochs": "2"} if "--epochs" in arguments else {}
    elif command in ("train", "cv"):
        dataset = _value(arguments, "--dataset") or "membranes"
        flags = {**TRAIN, "--pretrain-epochs": "0"} if "--pretrain-epochs" in arguments else dict(TRAIN)
        flags.update(REAL if dataset in ("isbi12", "drive", "topomortar", "folder") else BUILT_IN)
        if command == "cv":
            flags.update(CV if dataset not in ("isbi12", "drive", "topomortar", "folder") else
                         {k: v for k, v in CV.items() if k != "--train-count"})
            flags["--val-metrics"] = "dice"
    elif command == "demo":
        return [*arguments, "--quick", "--methods", "plain"] if "--quick" not in arguments else arguments
    elif command == "compare":
        flags = {"--figures": "1"}
    elif command == "evaluate" and "--checkpoint" in arguments:
        flags = {"--count": "2"} if not _value(arguments, "--dataset") else {}
    result = list(arguments)
    for flag, value in flags.items():
        if flag in result:
            result[result.index(flag) + 1] = value
        else:
            result += [flag, value]
    return result


def _value(arguments: list[str], flag: str) -> str | None:
    return arguments[arguments.index(flag) + 1] if flag in arguments else None


def _workspace(folder: Path) -> None:
    rng = np.random.default_rng(0)
    image = (rng.random((40, 48)) * 255).astype(np.uint8)
    iio.imwrite(folder / "image.png", image)
    tifffile.imwrite(folder / "image.tif", image)
    tifffile.imwrite(folder / "big_image.tif", (rng.random((70, 90)) * 255).astype(np.uint8))
    tifffile.imwrite(folder / "likelihood.tif", rng.random((40, 48)).astype(np.float32))
    truth = np.zeros((70, 90), np.uint8)
    truth[:, 40:43] = 255
    truth[30:33, :] = 255
    for name in ("masks", "ground_truth"):
        (folder / name).mkdir()
        iio.imwrite(folder / name / "big_image.png", truth)
    (folder / "av_labels").mkdir()  # the labels (0, 1, 2) of image.png for a multi-class network
    iio.imwrite(folder / "av_labels" / "image.png", (np.arange(40 * 48).reshape(40, 48) % 3).astype(np.uint8))
    (folder / "predictions").mkdir()  # what toposeg predict writes
    iio.imwrite(folder / "predictions" / "big_image_mask.png", truth)
    tifffile.imwrite(folder / "predictions" / "big_image_likelihood.tif", (truth / 255).astype(np.float32))
    for split, count in (("train", 4), ("val", 1)):
        for sub in ("images", "masks"):
            (folder / "my_data" / split / sub).mkdir(parents=True)
        for i in range(count):
            grid = np.zeros((40, 40), bool)
            grid[:, (i + 3)::9] = grid[(i + 2)::7, :] = True
            colour = np.stack([np.where(grid, 40, 200), rng.integers(0, 255, (40, 40)), np.where(grid, 90, 160)], -1)
            iio.imwrite(folder / "my_data" / split / "images" / f"im{i}.png", colour.astype(np.uint8))
            iio.imwrite(folder / "my_data" / split / "masks" / f"im{i}.png", np.where(grid, 0, 255).astype(np.uint8))
    _miniature_data(folder / "data", rng)


def _miniature_data(data, rng):
    """ISBI 2012, DRIVE and TopoMortar in their distributed layouts, with small images."""
    def grid(shape, offset):
        lines = np.zeros(shape, bool)
        lines[:, offset % 7::7] = lines[(offset + 2) % 9::9, :] = True
        return lines

    (data / "isbi12").mkdir(parents=True)
    lines = np.stack([grid((64, 64), i) for i in range(6)])
    tifffile.imwrite(data / "isbi12" / "train-volume.tif", np.where(lines, 60, 190).astype(np.uint8),
                     photometric="minisblack")
    tifffile.imwrite(data / "isbi12" / "train-labels.tif", np.where(lines, 0, 255).astype(np.uint8),
                     photometric="minisblack")
    training = data / "drive" / "training"
    for sub in ("images", "1st_manual", "mask"):
        (training / sub).mkdir(parents=True)
    fov = np.zeros((48, 52), np.uint8)
    fov[4:44, 4:48] = 255
    for number in range(21, 27):
        vessels = grid((48, 52), number)
        colour = np.stack([np.where(vessels, 50, 180), rng.integers(0, 255, (48, 52)), np.where(vessels, 20, 90)], -1)
        tifffile.imwrite(training / "images" / f"{number}_training.tif", colour.astype(np.uint8), photometric="rgb")
        iio.imwrite(training / "1st_manual" / f"{number}_manual1.gif", (vessels * 255).astype(np.uint8))
        iio.imwrite(training / "mask" / f"{number}_training_mask.gif", fov)
    first = 1
    for split, count, kinds in (("train", 4, ("accurate", "noisy", "pseudo")), ("val", 2, ("accurate", "noisy",
                                "pseudo")), ("test", 2, ("accurate",))):
        for sub in ("images", *kinds):
            (data / "topomortar" / split / sub).mkdir(parents=True)
        for number in range(first, first + count):
            mortar = grid((48, 48), number)
            colour = np.stack([np.where(mortar, 150, 200), np.where(mortar, 150, 40), np.where(mortar, 150, 30)], -1)
            iio.imwrite(data / "topomortar" / split / "images" / f"{number:03d}.png", colour.astype(np.uint8))
            for kind in kinds:
                iio.imwrite(data / "topomortar" / split / kind / f"{number:03d}.png", (mortar * 255).astype(np.uint8))
        first += count


def _serve_one_page(server: ProofreadingServer) -> None:
    """Instead of serving until Ctrl-C (``toposeg proofread``): serve, fetch the page once, stop."""
    server.start()
    try:
        with urllib.request.urlopen(server.url, timeout=30) as response:
            assert response.status == 200 and b"<html" in response.read().lower()
    finally:
        server.httpd.shutdown()


def test_pages_have_commands():
    assert any(documented_commands(page) for page in PAGES)
    assert "toposeg cv" in " ".join(sum((documented_commands(p) for p in PAGES), []))


@pytest.mark.parametrize("page", [p for p in PAGES if documented_commands(p)], ids=lambda p: p.name)
def test_documented_commands_run(page, tmp_path, monkeypatch, capsys):
    _workspace(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setattr(ProofreadingServer, "serve_forever", _serve_one_page)
    for line in documented_commands(page):
        code = main(tiny(shlex.split(line)[1:]))
        captured = capsys.readouterr()
        assert code == 0, f"{page.name}: `{line}` failed:\n{captured.err[-2000:]}"


def test_metrics_page_lists_the_default_set():
    from toposeg.metrics import METRICS

    rows = [line.split("|") for line in (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("| `")]
    listed = {name for row in rows if row[-2].strip() != "no" and not row[-2].strip().startswith("no ")
              for name in re.findall(r"`(\w+)`", row[1])}
    defaults = {m.name for m in METRICS if m.default}
    assert defaults <= listed, f"docs/metrics.md omits default metrics {sorted(defaults - listed)}"

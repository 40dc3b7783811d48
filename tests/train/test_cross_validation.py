"""``toposeg cv`` and ``toposeg compare`` end to end on a tiny configuration; the fold split."""

import csv
import json

import numpy as np
import pytest

from toposeg.cli import main
from toposeg.train import fold_assignment

TINY_CV = ["--dataset", "membranes", "--train-count", "4", "--sample-shape", "32,32", "--patch-size", "32",
           "--depth", "1", "--width", "2", "--epochs", "1", "--steps-per-epoch", "1", "--batch-size", "2",
           "--threads", "1", "--val-metrics", "dice", "--folds", "2",
           "--metrics", "dice,betti_error,betti_error_global", "--metric-option", "patch_size=16", "--quiet"]


def test_folds_are_deterministic_disjoint_and_cover_everything():
    names = [f"img{i}" for i in range(11)]
    folds = fold_assignment(names, 3, seed=4)
    assert folds == fold_assignment(list(reversed(names)), 3, seed=4)  # the order given does not matter
    assert sorted(sum(folds, [])) == sorted(names) and sorted(len(f) for f in folds) == [3, 4, 4]
    assert all(not set(a) & set(b) for i, a in enumerate(folds) for b in folds[i + 1:])
    assert folds != fold_assignment(names, 3, seed=5)
    with pytest.raises(ValueError, match="folds must be >= 2"):
        fold_assignment(names, 1)
    with pytest.raises(ValueError, match="3 images cannot make 4 folds"):
        fold_assignment(names[:3], 4)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    top = tmp_path_factory.mktemp("cv")
    assert main(["cv", "--out", str(top / "ce"), *TINY_CV, "--seeds", "0,1"]) == 0
    assert main(["cv", "--out", str(top / "dice"), *TINY_CV, "--seeds", "0", "--loss", "dice"]) == 0
    return top


def test_cv_writes_per_image_per_fold_and_summary(runs):
    record = json.loads((runs / "ce" / "cv.json").read_text())
    held = record["folds"]
    assert len(held) == 2 and sorted(sum(held, [])) == [f"membranes[train][{i}]" for i in range(4)]
    with open(runs / "ce" / "per_image.csv") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 2 * 4  # two seeds, every image held out once per seed
    assert {(r["seed"], r["fold"]) for r in rows} == {(s, f) for s in ("0", "1") for f in ("0", "1")}
    for row in rows:
        assert row["image"] in held[int(row["fold"])]
        assert (runs / "ce" / f"seed{row['seed']}" / f"fold{row['fold']}" / "predictions" / f"{row['image']}.npy").is_file()
    with open(runs / "ce" / "per_fold.csv") as file:
        folds = list(csv.DictReader(file))
    assert len(folds) == 4
    mine = [float(r["dice"]) for r in rows if r["seed"] == "0" and r["fold"] == "0"]
    assert float(folds[0]["dice"]) == pytest.approx(np.mean(mine))
    # running the protocol again reuses every finished fold
    before = (runs / "ce" / "seed0" / "fold0" / "scores.csv").stat().st_mtime_ns
    assert main(["cv", "--out", str(runs / "ce"), *TINY_CV, "--seeds", "0,1"]) == 0
    assert (runs / "ce" / "seed0" / "fold0" / "scores.csv").stat().st_mtime_ns == before


def test_cv_refuses_another_protocol_in_the_same_folder(runs, capsys):
    assert main(["cv", "--out", str(runs / "ce"), *TINY_CV, "--seeds", "0,1", "--loss", "dice"]) == 2
    assert "holds another protocol" in capsys.readouterr().err



def test_cv_resumes_a_folder_written_before_an_option_existed_and_adds_seeds(tmp_path):
    out = tmp_path / "ce"
    assert main(["cv", "--out", str(out), *TINY_CV, "--seeds", "0"]) == 0
    record = json.loads((out / "cv.json").read_text())
    assert record["config"]["base"].pop("classes") == 1  # as an older toposeg wrote it
    (out / "cv.json").write_text(json.dumps(record))
    before = (out / "seed0" / "fold0" / "scores.csv").stat().st_mtime_ns
    assert main(["cv", "--out", str(out), *TINY_CV, "--seeds", "0,1"]) == 0
    assert (out / "seed0" / "fold0" / "scores.csv").stat().st_mtime_ns == before  # seed 0 reused
    with open(out / "per_image.csv") as file:
        assert {r["seed"] for r in csv.DictReader(file)} == {"0", "1"}
    assert json.loads((out / "cv.json").read_text())["config"]["seeds"] == [0, 1]

def test_compare_prints_one_table_with_tests_and_figures(runs, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", f"plain={runs / 'ce'}", f"dice={runs / 'dice'}", "--out", str(out), "--figures", "2"]) == 0
    text = capsys.readouterr().out
    # the test pairs the (seed, fold, image) units both runs scored: seed 0's four images
    assert "| plain | 8 |" in text and "| dice | 4 |" in text and "| vs plain | 4 pairs |" in text
    assert "connectivity 1" in text and "betti_error_1" in text
    columns = text.splitlines()[0].split("|")
    assert columns[3].strip() == "betti_error_1" and columns[4].strip() == "betti_error_0"  # the headline first
    assert len(list((out / "figures").glob("*.png"))) == 2 and (out / "comparison.md").is_file()


def test_compare_rejects_folders_that_are_not_runs(tmp_path, capsys):
    assert main(["compare", str(tmp_path)]) == 2
    assert "compare takes output folders of toposeg cv" in capsys.readouterr().err


def test_cv_bad_data_fails_before_anything_is_written(tmp_path, capsys):
    import imageio.v3 as iio

    for sub in ("images", "masks"):
        (tmp_path / "data" / sub).mkdir(parents=True)
    for name in ("a", "b", "c"):
        iio.imwrite(tmp_path / "data" / "images" / f"{name}.png", np.zeros((32, 32), np.uint8))
        iio.imwrite(tmp_path / "data" / "masks" / f"{name}.png", np.full((32, 32), 255, np.uint8))
    iio.imwrite(tmp_path / "data" / "masks" / "b.png", np.zeros((32, 30), np.uint8))  # another size
    assert main(["cv", "--out", str(tmp_path / "out"), "--dataset", "folder", "--root", str(tmp_path / "data"),
                 "--folds", "2", "--quiet"]) == 2
    assert "masks/b.png: shape (32, 30) differs" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_cv_fine_tunes_each_fold_from_the_same_fold_of_a_cv_run(runs, tmp_path, capsys):
    from toposeg.train import load_checkpoint

    out = tmp_path / "tuned"
    assert main(["cv", "--out", str(out), *TINY_CV, "--seeds", "0", "--init-from", str(runs / "ce")]) == 0
    for fold in (0, 1):
        config = json.loads((out / "seed0" / f"fold{fold}" / "config.json").read_text())
        assert config["init_from"] == str(runs / "ce" / "seed0" / f"fold{fold}" / "last.pt")
    # the fine-tuned fold 1 started from the pretrained fold 1, not fold 0: with lr ~0 it stays there
    tiny = out.parent / "still"
    assert main(["cv", "--out", str(tiny), *TINY_CV, "--seeds", "0", "--lr", "1e-12",
                 "--init-from", str(runs / "ce")]) == 0
    for fold in (0, 1):
        start = load_checkpoint(runs / "ce" / "seed0" / f"fold{fold}" / "last.pt")["model"]
        end = load_checkpoint(tiny / "seed0" / f"fold{fold}" / "last.pt")["model"]
        weights = [k for k in start if k.endswith("weight")]
        assert all(np.allclose(start[k], end[k], atol=1e-6) for k in weights)
    # another fold assignment, or a seed the run lacks: refused before anything is written
    capsys.readouterr()
    assert main(["cv", "--out", str(tmp_path / "x"), *TINY_CV, "--seeds", "0", "--fold-seed", "3",
                 "--init-from", str(runs / "ce")]) == 2
    assert "held out other images" in capsys.readouterr().err
    assert main(["cv", "--out", str(tmp_path / "y"), *TINY_CV, "--seeds", "5", "--init-from", str(runs / "ce")]) == 2
    assert "did not train seed 5" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the Trojan CLI needs the 'trojan' extra (scikit-learn)")

from toposeg.cli import main  # noqa: E402


def test_zoo_hunt_detect_scan(tmp_path, capsys):
    import imageio.v3 as iio

    from toposeg.trojan import clean_images

    zoo, hunt = tmp_path / "zoo", tmp_path / "hunt"
    assert main(["trojan", "zoo", "--out", str(zoo), "--count", "4", "--epochs", "1", "--min-asr", "0"]) == 0
    assert "4 models kept (2 Trojaned)" in capsys.readouterr().out
    assert main(["trojan", "hunt", "--zoo", str(zoo), "--out", str(hunt), "--steps", "3",
                 "--triggers", "1", "--per-class", "1"]) == 0
    assert len(list(hunt.glob("*.npz"))) == 4
    detector = tmp_path / "detector.pt"
    assert main(["trojan", "detect", "--hunt", str(hunt), "--folds", "2", "--seeds", "0",
                 "--save", str(detector)]) == 0
    out = capsys.readouterr().out
    assert "bag-of-features detector" in out and "architecture only" in out and "MAD" in out
    images = tmp_path / "images"
    images.mkdir()
    for k, image in enumerate(clean_images(1)[0]):
        iio.imwrite(images / f"{k}.png", (image[0].numpy() * 255).astype(np.uint8))
    figure = tmp_path / "triggers.png"
    assert main(["trojan", "scan", str(zoo / "models" / "0001.pt"), "--images", str(images),
                 "--detector", str(detector), "--figure", str(figure)]) == 0
    assert "P(Trojan) = " in capsys.readouterr().out and figure.stat().st_size > 0


def test_clear_errors(tmp_path, capsys):
    assert main(["trojan", "detect", "--hunt", str(tmp_path)]) == 2
    assert "no hunting results" in capsys.readouterr().err
    assert main(["trojan", "scan", str(tmp_path / "m.pt"), "--images", str(tmp_path),
                 "--detector", str(tmp_path / "d.pt")]) == 2
    assert "detector file" in capsys.readouterr().err
    assert main(["trojan", "detect", "--hunt", str(tmp_path), "--seeds", "a"]) == 2
    assert "--seeds must be" in capsys.readouterr().err

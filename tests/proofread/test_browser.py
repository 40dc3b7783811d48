"""The proofreading page in a real headless browser (Debian's chromium driven by Playwright):
no console errors, colours, queue order, keys and clicks, brush, save = replay, reload resumes,
a killed server restarted loses nothing saved, 3D slices.

Skips with a message when chromium or Playwright is missing (``.ci/run`` installs chromium).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import socket
import sys
import time
import urllib.request

import numpy as np
import pytest

from toposeg.cli import proofread as proofread_cli
from toposeg.data import curvilinear_likelihood
from toposeg.proofread import (
    ActionLog,
    ProofreadingInputs,
    ProofreadingServer,
    ProofreadingSession,
    replay,
    uncertainty_colour,
)

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]

if not os.path.exists(CHROMIUM):
    pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium; .ci/run "
                "installs it)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def _inputs(shape=(96, 96), seed=3):
    f = curvilinear_likelihood(shape, seed=seed)
    return ProofreadingInputs(image=1 - f, likelihood=f.astype(np.float64), eps_median=0.1, eps_scale=1.0)


class Page:
    """A page on a server, recording console errors."""

    def __init__(self, browser, url):
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.open(url)

    def open(self, url):
        self.page.goto(url)
        self.page.wait_for_function("window.toposeg && window.toposeg.state.ready")

    def state(self, expression):
        return self.page.evaluate(f"window.toposeg.state.{expression}")

    def idle(self):
        self.page.wait_for_function("!window.toposeg.state.busy")

    def press(self, key):
        self.page.keyboard.press(key)
        self.idle()

    def canvas_point(self, row, col):
        box = self.page.locator("#view").bounding_box()
        zoom = self.state("zoom")
        return box["x"] + (col + 0.5) * zoom, box["y"] + (row + 0.5) * zoom


@pytest.fixture()
def served(tmp_path, browser):
    log = ActionLog(_inputs(), tmp_path / "actions.json")
    server = ProofreadingServer(log, tmp_path / "mask.npy")
    server.start()
    page = Page(browser, server.url)
    yield server, page
    page.page.close()
    server.stop()


def test_colours_and_queue_match_the_session(served):
    server, page = served
    session = server.log.session
    data = session.slice_data(0)
    queue = session.queue(0)
    shown = [int(x) for x in page.page.locator("#queue li").evaluate_all("els => els.map(e => e.dataset.branch)")]
    assert shown == queue[:50].tolist()
    assert page.state("current") == int(queue[0])
    checked = 0
    for b in queue[1:40]:
        pixel = int(data.branches.branch(int(b))[0])
        row, col = divmod(pixel, 96)
        assert tuple(page.page.evaluate(f"window.toposeg.pixel({row}, {col})")) == uncertainty_colour(
            float(np.round(data.uncertainty[b], 6))), b
        checked += 1
    assert checked >= 20
    assert page.errors == []


def test_keys_clicks_brush_undo_and_save(served, tmp_path):
    server, page = served
    session = server.log.session
    log_path = tmp_path / "actions.json"
    queue = session.queue(0)
    page.press("r")  # reject the first in the queue
    assert session.decision(0)[queue[0]] == 0
    assert json.loads(log_path.read_text())["actions"][-1] == {"type": "reject", "slice": 0, "branch": int(queue[0])}
    assert tuple(page.page.evaluate("window.toposeg.pixel(%d, %d)" % divmod(
        int(session.slice_data(0).branches.branch(int(queue[0]))[0]), 96))) == (110, 110, 110)
    page.page.click("#accept")  # the next one, by clicking the button
    page.idle()
    assert session.decision(0)[queue[1]] == 1
    # click on a branch pixel to select it, then accept it with the key
    target = int(queue[7])
    row, col = divmod(int(session.slice_data(0).branches.branch(target)[0]), 96)
    page.page.mouse.click(*page.canvas_point(row, col))
    assert page.state("current") == target
    page.press("a")
    assert session.decision(0)[target] == 1
    # paint a stroke with the brush
    unpainted = session.mask(0).copy()
    page.press("b")
    page.page.mouse.move(*page.canvas_point(5, 5))
    page.page.mouse.down()
    page.page.mouse.move(*page.canvas_point(5, 20), steps=8)
    page.page.mouse.up()
    page.idle()
    stroke = json.loads(log_path.read_text())["actions"][-1]
    assert stroke["type"] == "brush" and stroke["value"] == 1 and stroke["points"][0] == [5, 5]
    assert stroke["points"][-1] == [5, 20]
    assert session.mask(0)[5, 5:21].all()
    assert page.page.evaluate("window.toposeg.state.mask[5 * 96 + 12]") == 255
    page.press("Escape")
    page.press("z")  # undo the stroke
    np.testing.assert_array_equal(session.mask(0), unpainted)
    assert json.loads(log_path.read_text())["actions"][-1] == {"type": "undo"}
    page.press("s")
    page.page.wait_for_function("document.getElementById('status').textContent.startsWith('saved')")
    np.testing.assert_array_equal(np.load(tmp_path / "mask.npy"), replay(session.inputs, log_path))
    assert page.errors == []


def test_reload_resumes(served):
    server, page = served
    session = server.log.session
    queue = session.queue(0)
    page.press("r")
    page.press("a")
    page.open(page.page.url)  # reload
    decision = page.state("summary.decision")
    assert decision == session.decision(0).tolist()
    assert decision[queue[0]] == 0 and decision[queue[1]] == 1
    assert page.state("summary.queue")[:10] == session.queue(0)[:10].tolist()
    assert page.errors == []


def _canvas(page):
    return np.array(page.page.evaluate("Array.from(new Uint32Array(window.toposeg.state.frame.data.buffer))"),
                    dtype=np.uint32)


def test_the_page_redraws_what_an_action_changed_like_a_fresh_page(served):
    """An answer carries the flipped mask pixels (or the whole mask after a large stroke) and the
    page redraws only them and the branches concerned: its canvas then equals the canvas of a
    page loaded afresh from the server's state, and its mask the server's."""
    server, page = served
    session = server.log.session
    queue = session.queue(0).tolist()

    def flips(kind, branch):
        trial = ProofreadingSession(session.inputs)
        before = trial.mask(0)
        trial.apply({"type": kind, "slice": 0, "branch": branch})
        return int((trial.mask(0) != before).sum())

    accepted = next(b for b in queue if flips("accept", b) > 0)
    rejected = next(b for b in queue if b != accepted and flips("reject", b) > 0)
    answers = []
    page.page.on("response", lambda r: answers.append(r.json()) if r.url.endswith("/api/action?slice=0") else None)

    def consistent():
        assert np.array_equal(np.array(page.state("mask")) == 255, session.mask(0).ravel())
        redrawn = _canvas(page)
        page.page.evaluate("window.toposeg.render()")  # the whole frame, from the page's state
        assert np.array_equal(redrawn, _canvas(page))

    for branch, key in ((accepted, "a"), (rejected, "r")):
        page.page.mouse.click(*page.canvas_point(*divmod(int(session.slice_data(0).branches.branch(branch)[0]), 96)))
        assert page.state("current") == branch
        consistent()
        page.press(key)
        consistent()
    page.press("r")
    page.press("b")  # paint a stroke of radius 40: more flipped pixels than an answer lists
    page.page.fill("#radius", "40")
    page.page.mouse.move(*page.canvas_point(10, 10))
    page.page.mouse.down()
    page.page.mouse.move(*page.canvas_point(80, 80), steps=5)
    page.page.mouse.up()
    page.idle()
    consistent()
    page.press("Escape")
    for key in "zzzn":
        page.press(key)
        consistent()
    assert len(answers) == 7
    kinds = [("flip" if a["flip"] else "none") if "flip" in a else "mask" for a in answers]
    assert kinds[:2] == ["flip", "flip"] and kinds[3:5] == ["mask", "mask"] and kinds[6] == "flip", kinds
    incremental, current = _canvas(page), page.state("current")
    assert np.array_equal(np.array(page.state("mask")) == 255, session.mask(0).ravel())
    page.open(page.page.url)
    page.page.evaluate(f"window.toposeg.state.current = {current}; window.toposeg.render()")
    assert np.array_equal(incremental, _canvas(page))
    # an action from elsewhere (another tab): the page's next answer is not a step from its own
    # state, so it loads the whole slice
    server.log.apply({"type": "reject", "slice": 0, "branch": int(session.queue(0)[3])})
    page.press("r")
    assert page.state("summary.decision") == session.decision(0).tolist()
    assert np.array_equal(np.array(page.state("mask")) == 255, session.mask(0).ravel())
    assert page.errors == []


def test_bad_requests_get_clear_errors_and_change_nothing(served, tmp_path):
    server, page = served
    before = (tmp_path / "actions.json").read_bytes()
    for body, message in [("{not json", "not valid JSON"),
                          (json.dumps({"type": "accept", "slice": 0, "branch": 99999}), "out of range"),
                          (json.dumps({"type": "brush", "slice": 0, "points": [[500, 1]], "radius": 1,
                                       "value": 1}), "out of range")]:
        response = page.page.request.post(server.url + "api/action", data=body.encode(),
                                          headers={"Content-Type": "application/json"})
        assert response.status == 400 and message in response.json()["error"]
    assert page.page.request.get(server.url + "api/state?slice=7").status == 400
    assert (tmp_path / "actions.json").read_bytes() == before


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(args, port):
    parser = argparse.ArgumentParser()
    proofread_cli.add_arguments(parser)
    sys.exit(proofread_cli.run(parser.parse_args([*args, "--port", str(port)])))


def _start_cli(args, port):
    """``toposeg proofread`` in a forked process (which inherits the compiled kernels)."""
    process = multiprocessing.get_context("fork").Process(target=_serve, args=(args, port), daemon=True)
    process.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/state", timeout=5) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("toposeg proofread did not start")


def test_killed_server_restarted_loses_nothing_saved_and_volumes_go_slice_by_slice(tmp_path, browser):
    f = curvilinear_likelihood((3, 64, 64), seed=4)
    np.save(tmp_path / "image.npy", 1 - f)
    np.save(tmp_path / "likelihood.npy", f)
    args = [str(tmp_path / "image.npy"), "--likelihood", str(tmp_path / "likelihood.npy"),
            "--session", str(tmp_path / "session"), "--mask-format", "npy"]
    # load the compiled kernels here, so that the forked servers inherit them
    ProofreadingSession(ProofreadingInputs(f[0], f[0].astype(np.float64))).slice_data(0)
    port = _free_port()
    process = _start_cli(args, port)
    try:
        page = Page(browser, f"http://127.0.0.1:{port}/")
        page.press("]")
        page.page.wait_for_function("window.toposeg.state.slice === 1")
        page.press("r")
        page.press("r")
        page.press("a")
        decided = page.state("summary.decision")
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.join()
    process = _start_cli(args, port)
    try:
        page.open(page.page.url)
        page.press("]")
        page.page.wait_for_function("window.toposeg.state.slice === 1")
        assert page.state("summary.decision") == decided
        assert sum(d >= 0 for d in decided) == 3
        page.press("s")
        page.page.wait_for_function("document.getElementById('status').textContent.startsWith('saved')")
        assert page.errors == []
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.join()
    inputs = ProofreadingInputs(1 - f, f.astype(np.float64))
    saved = np.load(tmp_path / "session" / "mask.npy")
    np.testing.assert_array_equal(saved, replay(inputs, tmp_path / "session" / "actions.json"))
    assert saved.shape == f.shape

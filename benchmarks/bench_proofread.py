"""Round trip of one proofreading action at 512x512, in headless chromium and over plain HTTP.

Target (issue 15): < 50 ms per action. The page's round trip is measured by the page itself
(``window.toposeg.state.lastRoundTrip``): from sending the action to the redrawn canvas
(POST, the server's log write, the answer with the mask pixels that flipped, redrawing them
and the branches concerned); ``lastAnswer`` is the part until the answer is parsed. The HTTP
round trip is the same POST from Python on one kept-alive connection, as the page's. Medians
over ``--actions`` actions (alternating reject and undo, so that the state stays comparable);
the load average is printed before and after, since the machine may be shared. Needs
``/usr/bin/chromium`` and the ``playwright`` package. Usage::

    python benchmarks/bench_proofread.py [--actions 30] [--size 512] [--screenshots docs/figures]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

from toposeg.data import curvilinear_likelihood
from toposeg.proofread import ActionLog, ProofreadingInputs, ProofreadingServer

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def http_round_trip(connection: http.client.HTTPConnection, action: dict) -> float:
    start = time.perf_counter()
    connection.request("POST", "/api/action?slice=0", body=json.dumps(action).encode(),
                       headers={"Content-Type": "application/json"})
    json.loads(connection.getresponse().read())
    return 1000 * (time.perf_counter() - start)


def screenshots(browser, folder: Path) -> None:
    """The page on a 256x256 vessel tree (the image smoothed as the likelihood), after a few
    decisions and a brush stroke."""
    from scipy import ndimage

    from toposeg.data import vessel_tree_2d

    image = vessel_tree_2d((256, 256), seed=2).image.astype(np.float64)
    likelihood = np.clip(ndimage.gaussian_filter(image, 1.0), 0, 1)
    log = ActionLog(ProofreadingInputs(image, likelihood, eps_median=0.08), Path(tempfile.mkdtemp()) / "a.json")
    server = ProofreadingServer(log, Path(tempfile.mkdtemp()) / "mask.npy")
    server.start()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(server.url)
    page.wait_for_function("window.toposeg && window.toposeg.state.ready")
    for key in "rarrn":
        page.keyboard.press(key)
        page.wait_for_function("!window.toposeg.state.busy")
    box = page.locator("#view").bounding_box()
    page.keyboard.press("b")
    page.mouse.move(box["x"] + 60, box["y"] + 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 140, box["y"] + 90, steps=10)
    page.mouse.up()
    page.wait_for_function("!window.toposeg.state.busy")
    page.keyboard.press("Escape")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "proofread_page.png"))
    page.keyboard.press("l")
    page.keyboard.press("h")
    page.screenshot(path=str(folder / "proofread_likelihood_all.png"))
    page.close()
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=30)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--screenshots", type=Path, default=None, help="write page screenshots here")
    args = parser.parse_args()
    f = curvilinear_likelihood((args.size, args.size), seed=0)
    folder = Path(tempfile.mkdtemp())
    log = ActionLog(ProofreadingInputs(1 - f, f.astype(np.float64)), folder / "actions.json")
    server = ProofreadingServer(log, folder / "mask.npy")
    server.start()
    print(f"{args.size}x{args.size}, {len(log.session.slice_data(0).branches)} branches; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 760})
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(server.url)
        page.wait_for_function("window.toposeg && window.toposeg.state.ready")
        times, answers = [], []
        for i in range(args.actions):
            page.keyboard.press("r" if i % 2 == 0 else "z")
            page.wait_for_function("!window.toposeg.state.busy")
            times.append(page.evaluate("window.toposeg.state.lastRoundTrip"))
            answers.append(page.evaluate("window.toposeg.state.lastAnswer"))
        if args.screenshots:
            screenshots(browser, args.screenshots)
        browser.close()
    http_times = []
    queue = log.session.queue(0)
    host, port = server.httpd.server_address[:2]
    connection = http.client.HTTPConnection(host, port)
    for i in range(args.actions):
        action = {"type": "reject", "slice": 0, "branch": int(queue[i])} if i % 2 == 0 else {"type": "undo"}
        http_times.append(http_round_trip(connection, action))
    connection.close()
    server.stop()
    browser_ms, http_ms = statistics.median(times), statistics.median(http_times)
    print(f"page round trip per action: median {browser_ms:.1f} ms (min {min(times):.1f}, max {max(times):.1f}); "
          f"of which until the answer is parsed: median {statistics.median(answers):.1f} ms")
    print(f"HTTP round trip (POST action, answer): median {http_ms:.1f} ms; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"target < 50 ms per action: {'met' if browser_ms < 50 else 'NOT met'}; console errors: {len(errors)}")


if __name__ == "__main__":
    main()

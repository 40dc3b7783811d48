"""``toposeg proofread IMAGE --likelihood L``: proofread a segmentation in a local web page."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "proofread"
HELP = "proofread a segmentation branch by branch in a local web page (structure-level uncertainty)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", type=Path, help="the image or volume (PNG, TIFF, NPY)")
    parser.add_argument("--likelihood", type=Path, required=True,
                        help="the network's likelihood, same shape, values in [0, 1] (TIFF, NPY)")
    parser.add_argument("--session", type=Path, default=None,
                        help="session folder for the action log and the mask (default: IMAGE.proofread)")
    parser.add_argument("--structure", choices=("skeleton", "watershed"), default="skeleton",
                        help="S1 ridges (vessels, roads) or S2 basin walls (membranes)")
    parser.add_argument("--threshold", type=float, default=0.5, help="likelihood threshold of the mask")
    parser.add_argument("--eps-median", type=float, default=0.1,
                        help="median of the persistence threshold (e.g. the prior net's)")
    parser.add_argument("--eps-scale", type=float, default=1.0,
                        help="spread of the threshold (logit units)")
    parser.add_argument("--mask-format", choices=("tif", "npy", "png"), default="tif",
                        help="file type of the saved mask (png: 2D only)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--replay", action="store_true",
                        help="do not serve: replay the session's log and write the mask")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from toposeg.data.io import read_image
    from toposeg.proofread import ActionLog, ProofreadingInputs, ProofreadingServer

    image = read_image(args.image)
    likelihood = read_image(args.likelihood)
    if likelihood.shape != image.shape:
        raise ValueError(f"--likelihood has shape {likelihood.shape}, the image {image.shape}: they must match")
    if not np.issubdtype(likelihood.dtype, np.floating):
        raise ValueError(f"--likelihood must hold floating-point values in [0, 1], got dtype {likelihood.dtype}")
    if args.mask_format == "png" and image.ndim != 2:
        raise ValueError("--mask-format png is for 2D images; use tif or npy for a volume")
    if not 0 <= args.port < 65536:
        raise ValueError(f"--port must be in [0, 65535], got {args.port}")
    inputs = ProofreadingInputs(image=image, likelihood=likelihood.astype(np.float64), structure=args.structure,
                                threshold=args.threshold, eps_median=args.eps_median, eps_scale=args.eps_scale)
    folder = args.session or args.image.with_name(args.image.name + ".proofread")
    folder.mkdir(parents=True, exist_ok=True)
    log = ActionLog(inputs, folder / "actions.json")
    mask_path = folder / f"mask.{args.mask_format}"
    if args.replay:
        log.save_mask(mask_path)
        print(f"replayed {len(log.session.actions)} actions into {mask_path}")
        return 0
    server = ProofreadingServer(log, mask_path, port=args.port)
    print(f"toposeg proofread: {server.url} (session {folder}; {len(log.session.actions)} actions so far; "
          "Ctrl-C stops, nothing saved is lost)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0

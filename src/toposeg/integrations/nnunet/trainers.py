"""nnU-Net v2 trainers that add a toposeg topological loss to nnU-Net's default loss.

Each trainer is nnU-Net's ``nnUNetTrainer`` with one change: its loss (Dice + cross-entropy,
wrapped for deep supervision) becomes ``nnU-Net's loss + weight * toposeg loss`` at every
output resolution, with nnU-Net's deep-supervision weights. Run them with
``nnUNetv2_train DATASET CONFIG FOLD -tr nnUNetTrainerToposegTopo`` once
``toposeg nnunet register`` has made them visible to nnU-Net (see ``docs/nnunet.md``).

Importing this module needs nnU-Net v2 (``pip install "toposeg[nnunet]"``).
"""

from __future__ import annotations

from typing import ClassVar

import torch
from nnunetv2.training.loss.deep_supervision import DeepSupervisionWrapper
from nnunetv2.training.nnUNetTrainer.nnUNetTrainer import nnUNetTrainer
from nnunetv2.utilities.plans_handling.plans_handler import PlansManager

from toposeg.integrations.nnunet.loss import TOPOLOGICAL_TERMS, WithTopologicalTerm
from toposeg.integrations.nnunet.options import ENVIRONMENT, read_options

__all__ = [
    "nnUNetTrainerToposegClDice",
    "nnUNetTrainerToposegDMT",
    "nnUNetTrainerToposegTopo",
    "nnUNetTrainerToposegWarping",
]


class nnUNetTrainerToposeg(nnUNetTrainer):  # noqa: N801 (nnU-Net's naming)
    """nnU-Net's trainer plus the toposeg loss named by ``toposeg_loss``.

    Class attributes (a subclass may change them; the ``TOPOSEG_NNUNET_*`` environment
    variables of :mod:`toposeg.integrations.nnunet.options` override them):

    toposeg_loss : str
        The toposeg loss (a key of :data:`~toposeg.integrations.nnunet.loss.TOPOLOGICAL_TERMS`).
    toposeg_weight : float or None
        Weight of the term; ``None`` for the loss's default.
    toposeg_start_epoch : int
        First epoch with the term; before it the loss is nnU-Net's alone.

    Raises
    ------
    ValueError
        Before anything is written, for region-based data sets (overlapping labels trained
        with sigmoids; toposeg's trainers need one softmax class per label) and for bad
        options.
    """

    toposeg_loss: ClassVar[str] = ""
    toposeg_weight: ClassVar[float | None] = None
    toposeg_start_epoch: ClassVar[int] = 0

    def __init__(
        self,
        plans: dict,
        configuration: str,
        fold: int,
        dataset_json: dict,
        device: torch.device = torch.device("cuda"),  # noqa: B008 (nnU-Net's signature)
    ) -> None:
        if self.toposeg_loss not in TOPOLOGICAL_TERMS:
            raise ValueError(
                f"{type(self).__name__}.toposeg_loss must be one of "
                f"{', '.join(TOPOLOGICAL_TERMS)}, got {self.toposeg_loss!r}"
            )
        options = read_options()
        if PlansManager(plans).get_label_manager(dataset_json).has_regions:
            raise ValueError(
                f"{type(self).__name__} does not support region-based training (dataset.json "
                "'labels' with overlapping regions, trained with sigmoids): toposeg's trainers "
                "compute topology per class on a softmax. Give each structure its own label, "
                "or train with nnU-Net's own trainer."
            )
        super().__init__(plans, configuration, fold, dataset_json, device)
        default = TOPOLOGICAL_TERMS[self.toposeg_loss].weight
        weight = self.toposeg_weight if options.weight is None else options.weight
        self.toposeg_weight = default if weight is None else float(weight)
        if options.start_epoch is not None:
            self.toposeg_start_epoch = options.start_epoch
        if options.epochs is not None:
            self.num_epochs = options.epochs
        if options.iterations is not None:
            self.num_iterations_per_epoch = options.iterations
            self.num_val_iterations_per_epoch = max(1, options.iterations // 5)
        self.print_to_log_file(
            f"toposeg: nnU-Net's loss + {self.toposeg_weight:g} * {self.toposeg_loss} from epoch "
            f"{self.toposeg_start_epoch} (options: {', '.join(ENVIRONMENT.values())})"
        )

    def _build_loss(self) -> torch.nn.Module:
        loss = super()._build_loss()
        if isinstance(loss, DeepSupervisionWrapper):
            loss.loss = self._with_term(loss.loss)
            return loss
        return self._with_term(loss)

    def _with_term(self, base: torch.nn.Module) -> WithTopologicalTerm:
        return WithTopologicalTerm(
            base,
            self.toposeg_loss,
            weight=self.toposeg_weight,
            ignore_label=self.label_manager.ignore_label,
        )

    @property
    def topological_loss(self) -> WithTopologicalTerm:
        """The loss module that holds the topological term (inside deep supervision)."""
        return self.loss.loss if isinstance(self.loss, DeepSupervisionWrapper) else self.loss

    def on_train_epoch_start(self) -> None:
        super().on_train_epoch_start()
        self.topological_loss.active = self.current_epoch >= self.toposeg_start_epoch


class nnUNetTrainerToposegTopo(nnUNetTrainerToposeg):  # noqa: N801
    """nnU-Net's loss + TopoLoss (persistence diagrams, random patches)."""

    toposeg_loss = "topo"


class nnUNetTrainerToposegDMT(nnUNetTrainerToposeg):  # noqa: N801
    """nnU-Net's loss + the DMT term (cross-entropy on the Morse structures, eps 0.2)."""

    toposeg_loss = "dmt"


class nnUNetTrainerToposegWarping(nnUNetTrainerToposeg):  # noqa: N801
    """nnU-Net's loss + the homotopy-warping loss (cross-entropy on critical pixels)."""

    toposeg_loss = "warping"


class nnUNetTrainerToposegClDice(nnUNetTrainerToposeg):  # noqa: N801
    """nnU-Net's loss + the soft-clDice loss."""

    toposeg_loss = "cldice"

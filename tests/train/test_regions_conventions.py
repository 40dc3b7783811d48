"""Losses respect a region; a real data set's conventions become a run's defaults."""

import torch

from toposeg.train import Objective, TrainConfig, parse_loss
from toposeg.train.conventions import apply_conventions, convention_metric_options


def test_outside_the_region_adds_no_loss_and_no_gradient():
    torch.manual_seed(0)
    target = (torch.rand(2, 1, 24, 24) < 0.3).float()
    region = torch.zeros(2, 1, 24, 24)
    region[..., 4:20, 6:18] = 1
    objective = Objective(parse_loss("ce+dice+0.5*topo"), {"topo": {"patch_size": 12}})
    logits = torch.randn(2, 1, 24, 24, requires_grad=True)
    loss, _ = objective(logits, target, [torch.Generator().manual_seed(i) for i in range(2)], region)
    loss.backward()
    assert logits.grad[region == 0].abs().max() == 0
    assert logits.grad[region == 1].abs().max() > 0
    changed = logits.detach().clone()
    changed[region == 0] = torch.randn(int((region == 0).sum()))
    again, _ = objective(changed, target, [torch.Generator().manual_seed(i) for i in range(2)], region)
    assert torch.allclose(loss, again)


def test_conventions_fill_the_options_the_user_left_out():
    config = apply_conventions(TrainConfig(dataset="drive", root="d", loss="ce+topo+cldice",
                                           val_metrics=("dice", "betti_error")))
    assert config.metric_options == {"connectivity": 2}
    assert config.loss_options == {"topo": {"connectivity": 2}}  # cldice takes no connectivity
    # dmt's skeleton S1 exists for connectivity 1 only: it keeps the paper's construction, unless
    # its mask is the watershed alone, which takes the data set's connectivity
    dmt = apply_conventions(TrainConfig(dataset="topomortar", root="d", loss="ce+dmt+warping"))
    assert dmt.loss_options == {"warping": {"connectivity": 2}}
    watershed = apply_conventions(TrainConfig(dataset="drive", root="d", loss="ce+dmt",
                                              loss_options={"dmt": {"structures": "watershed"}}))
    assert watershed.loss_options == {"dmt": {"structures": "watershed", "connectivity": 2}}
    mine = apply_conventions(TrainConfig(dataset="drive", root="d", loss="ce+topo",
                                         loss_options={"topo": {"connectivity": 1}}, metric_options={"connectivity": 1}))
    assert mine.loss_options["topo"]["connectivity"] == 1 and mine.metric_options["connectivity"] == 1
    assert convention_metric_options("isbi12", "default") == {"regions": "background"}
    plain = TrainConfig()
    assert apply_conventions(plain) == plain
    # membranes are boundaries: cv, compare and the demo score ARI and VOI over the cells between them
    assert convention_metric_options("membranes", ["voi", "dice"]) == {"regions": "background"}

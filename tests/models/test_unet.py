import pytest
import torch

from toposeg.models import UNet


@pytest.mark.parametrize("ndim, shape", [(2, (2, 3, 32, 16)), (3, (1, 1, 8, 16, 16))])
@pytest.mark.parametrize("norm", ["batch", "instance", "group", "none"])
def test_shapes_and_gradients(ndim, shape, norm):
    net = UNet(shape[1], 4, ndim=ndim, depth=2, width=4, norm=norm, dropout=0.1)
    x = torch.randn(*shape, requires_grad=True)
    y = net(x)
    assert y.shape == (shape[0], 4, *shape[2:])
    y.sum().backward()
    assert x.grad is not None and all(p.grad is not None for p in net.parameters())


def test_dropout_makes_samples_differ_in_train_mode_only():
    net = UNet(1, 1, depth=1, width=4, dropout=0.5)
    x = torch.randn(1, 1, 8, 8)
    net.train()
    assert not torch.equal(net(x), net(x))
    net.eval()
    assert torch.equal(net(x), net(x))


def test_bad_input():
    with pytest.raises(ValueError, match="ndim must be 2 or 3"):
        UNet(ndim=4)
    with pytest.raises(ValueError, match="norm must be"):
        UNet(norm="layer")
    net = UNet(depth=2, width=4)
    with pytest.raises(ValueError, match="multiples of 4"):
        net(torch.zeros(1, 1, 10, 12))
    with pytest.raises(ValueError, match="input must have shape"):
        net(torch.zeros(1, 10, 12))

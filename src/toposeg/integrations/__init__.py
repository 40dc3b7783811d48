"""Adapters that put toposeg's losses into other training frameworks.

* :mod:`toposeg.integrations.nnunet`: nnU-Net v2 trainers that add a toposeg topological loss
  to nnU-Net's default loss (``pip install "toposeg[nnunet]"``; see ``docs/nnunet.md``).
"""

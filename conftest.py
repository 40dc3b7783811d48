"""Doctest collection: modules that need an optional package are skipped where it is absent."""

from importlib.util import find_spec

collect_ignore = []
if find_spec("nnunetv2") is None:  # the nnunet extra
    collect_ignore.append("src/toposeg/integrations/nnunet/trainers.py")

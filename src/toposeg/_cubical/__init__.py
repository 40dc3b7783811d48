"""Private kernels shared by the cubical engine (:mod:`toposeg.persistence`) and the Morse passes
(:mod:`toposeg.morse`): one filtration order, one union-find, per-thread scratch buffers, index
arithmetic between padded arrays and images, and one padded grid with one frame convention.

Only ``toposeg.persistence`` and ``toposeg.morse`` import these modules; nothing here imports
from a ``toposeg`` package. Public functions validate input; these take arrays as they are.
"""

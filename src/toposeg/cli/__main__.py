import sys

from toposeg.cli import main

sys.exit(main())

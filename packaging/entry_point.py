"""The bundle's `workbench` executable: the GUI without arguments, the CLI with them."""

import sys

from workbench.cli import main

if __name__ == "__main__":
    sys.exit(main())

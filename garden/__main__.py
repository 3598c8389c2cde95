import sys

from garden.cli import main

# Guarded: on macOS and Windows the image workers are started by "spawn", which imports this
# module again in each worker; unguarded, every worker would run garden again.
if __name__ == "__main__":
    sys.exit(main())

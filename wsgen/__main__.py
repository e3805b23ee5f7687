import sys

from wsgen.cli import main

sys.exit(main())

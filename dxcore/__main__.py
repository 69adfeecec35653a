import sys

from dxcore.cli import main

sys.exit(main())

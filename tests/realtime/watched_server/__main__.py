from server.cli import main
from tests.realtime import loop_watch

loop_watch.install()
raise SystemExit(main())

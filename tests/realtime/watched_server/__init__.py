"""`python -m tests.realtime.watched_server serve ...`: a Kring worker whose event loop is watched
(`tests.realtime.loop_watch`). A package with a `__main__`, so the processes the worker's sandbox
starts do not run this module again (multiprocessing skips a package's `__main__`)."""

"""Exit codes a scheduler can act on."""
OK = 0
FAILED = 1  # the run itself broke: nothing was committed
CONFIG_ERROR = 2  # bad flags, bad config file, settings that clash with the index
SOME_REJECTED = 3  # the run finished, but some inputs were rejected (see the manifest)
LOCKED = 4  # another run holds the lock on this clean folder
INTERRUPTED = 130  # stopped by Ctrl-C (SIGINT), as shells report it: nothing of the run committed

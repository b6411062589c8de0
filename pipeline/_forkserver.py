"""Imported first by the worker pool's fork server (see ``pool``).

Ctrl-C reaches every process of the terminal's group; the run decides what
happens then. The fork server only ignores it once it has loaded the modules
it preloads, which takes seconds: until then it would die of it with a
traceback over the run's own message.
"""
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)

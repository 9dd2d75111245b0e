"""Polling a condition."""
import time


def wait_for(condition, timeout, step=0.5):
    """Calls condition() every `step` seconds until it returns a true value, which is
    returned; after `timeout` seconds the last (false) value is returned. condition() is
    called at least once, and once more at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(max(0.0, min(step, deadline - time.monotonic())))

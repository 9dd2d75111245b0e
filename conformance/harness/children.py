"""The processes a test starts, and stopping them whatever happens.

Every Child (and every Orthanc) is tracked from its start until it is stopped. A `with`
block stops what it started on the way out (an exception, Ctrl-C, SIGTERM under session()
included); session() around a test's main stops whatever is still running at its end."""
import contextlib
import signal
import subprocess
import sys

_live = []   # what runs now: objects with stop_now()


def track(thing):
    if thing not in _live:
        _live.append(thing)


def forget(thing):
    if thing in _live:
        _live.remove(thing)


def stop_all():
    """Stops at once (SIGKILL) whatever is still running, newest first."""
    while _live:
        _live.pop().stop_now()


@contextlib.contextmanager
def session():
    """Around a test's main: SIGTERM ends the test as Ctrl-C does (exit status 143, every
    `with` block and finally clause runs), and at the end nothing it started is left running."""
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        yield
    finally:
        stop_all()
        signal.signal(signal.SIGTERM, previous)


class Child:
    """A process: output to log_path (stdout and stderr together), or to a pipe (pipe=True,
    text) for a child that reports on stdout, or nowhere. Stopped with stop_signal when its
    `with` block ends."""

    stop_signal = signal.SIGTERM

    def __init__(self, cmd, log_path=None, env=None, pipe=False):
        self.cmd, self.log_path = [str(c) for c in cmd], log_path
        self._log = open(log_path, "wb") if log_path else None
        if pipe:
            out = subprocess.PIPE
        elif self._log:
            out = self._log
        else:
            out = subprocess.DEVNULL
        self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=subprocess.STDOUT if self._log or pipe else subprocess.DEVNULL,
                                     stdin=subprocess.DEVNULL, env=env, text=pipe)
        track(self)

    @property
    def pid(self):
        return self.proc.pid

    @property
    def returncode(self):
        return self.proc.returncode

    @property
    def stdout(self):
        return self.proc.stdout

    def poll(self):
        return self.proc.poll()

    def running(self):
        return self.proc.poll() is None

    def finish(self, timeout):
        """Waits up to `timeout` seconds for the process to end, then kills it. Returns its
        exit status."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._ended()
        return self.proc.returncode

    def end(self, timeout):
        """Waits up to `timeout` seconds for the process to end on its own; one that does not is
        killed and the test fails (RuntimeError), as a hung sender must not pass for a slow one."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.finish(0)
            raise RuntimeError(f"{self.cmd[0]} did not end within {timeout} s: killed")
        self._ended()
        return self.proc.returncode

    def stop(self, sig=None, timeout=30):
        """Sends sig (stop_signal by default) if it runs, waits up to `timeout` seconds, then
        SIGKILL."""
        if self.proc.poll() is None:
            self.proc.send_signal(self.stop_signal if sig is None else sig)
        return self.finish(timeout)

    def kill(self):
        return self.stop(signal.SIGKILL)

    def stop_now(self):
        self.kill()

    def _ended(self):
        forget(self)
        if self._log and not self._log.closed:
            self._log.close()
        if self.proc.stdout and not self.proc.stdout.closed:
            self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

"""Free TCP ports on 127.0.0.1, and waiting for one to accept connections."""
import socket
import time

_given = set()   # ports handed out by free_port in this process: never twice


def free_port():
    """A port nothing listens on now, not handed out before by this process (a port that
    was given to one server and is not bound yet would otherwise be given again)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _given:
            _given.add(port)
            return port


def free_ports(n):
    """n distinct free ports (all bound at once while they are chosen)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            socks.append(s)
            s.bind(("127.0.0.1", 0))
        ports = [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()
    _given.update(ports)
    return ports


def wait_port(port, seconds=20):
    """True once something accepts connections on 127.0.0.1:port, False after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False

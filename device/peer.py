"""Who is at the other end of a Unix socket, as the kernel has it (SO_PEERCRED).

The control socket decides what a peer may do by it; the uplink lets only the
listener's user speak. The kernel records the credentials at connect, so a
peer cannot claim someone else's.
"""

from __future__ import annotations

import socket
import struct

_UCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid


def credentials(sock: socket.socket) -> tuple[int, int, int]:
    """(pid, uid, gid) of the process that connected."""
    return _UCRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size))

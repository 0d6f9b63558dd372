"""A worker that breaks the protocol (started by tests in place of ``runtime.worker``):
it answers hello and deploy properly, then lies about batches, each node its own way."""

from __future__ import annotations

import os
import socket
import sys

from runtime import protocol

LIES = [
    b'{"seq":%d,"module":null,"ok":%d,"crashed":0,"hung":0,"busy_ms":1.0,"memory_mb":1.0}',  # ok > count
    b'{"seq":%d,"module":null,"ok":1,"crashed":0,"hung":0,"busy_ms":NaN,"memory_mb":1.0}',  # NaN
    b'{"seq":%d,"module":null,"ok":true,"crashed":0,"hung":0,"busy_ms":1.0,"memory_mb":1.0}',  # a bool
    b'{"seq":%d,"module":"../../etc","ok":1,"crashed":0,"hung":0,"busy_ms":1.0,"memory_mb":1.0}',  # unknown
    b'{"seq":%d,"module":null,"ok":1,"crashed":0,"hung":0,"busy_ms":1.0,"memory_mb":1.0,"x":1}',  # extra
    b"[1, 2, 3]",  # not an object
]


def main(control_fd: int, data_fd: int, name: str) -> None:
    lie = LIES[int(name.rsplit("-", 1)[1]) % len(LIES)]
    control = protocol.Stream(socket.socket(fileno=control_fd))
    data = protocol.Stream(socket.socket(fileno=data_fd))
    hello = control.receive()
    control.send({"seq": hello["seq"], "pid": os.getpid()})
    deploy = control.receive()
    control.send({"seq": deploy["seq"], "status": "ok", "detail": "swapped", "seconds": 0.001})
    batch = data.receive()
    payload = lie % (batch["seq"], batch["count"] + 5)[: lie.count(b"%d")]
    data.sock.sendall(len(payload).to_bytes(4, "big") + payload)
    control.receive()  # until the fleet closes the channel or kills this process


if __name__ == "__main__":
    main(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])

"""Run the emulator: moto's server with the rehearsal's extension, on a free loopback port.

    python -m rehearsal.emulator --port-file PATH [--port N]

Writes the port it listens on to PATH once it accepts connections, and stops on SIGTERM
or SIGINT. Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m rehearsal.emulator")
    parser.add_argument("--port-file", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    args = parser.parse_args()

    from rehearsal.emulator import install

    install()
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    partial = args.port_file.with_suffix(".partial")
    partial.write_text(str(port))
    partial.rename(args.port_file)
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""A TCP proxy on loopback that makes a local S3 server look far away.

Every chunk is forwarded DELAY_MS/2 after it arrived, in each direction, so a
request/response exchange costs DELAY_MS more, as a round trip to a real
bucket would (bandwidth is not limited). Connections go round-robin to the
upstream servers. The proxy also counts the HTTP requests it forwards
(ListObjectsV2, HEAD, other GETs) and writes them as JSON to STATS_FILE when
it gets SIGTERM or SIGINT.

usage: s3_delay_proxy.py LISTEN_PORT DELAY_MS STATS_FILE UPSTREAM_PORT...
"""
import asyncio
import itertools
import json
import re
import signal
import sys

REQUEST_LINE = re.compile(rb"(?:^|\r\n)(GET|HEAD|PUT|POST|DELETE) (\S+) HTTP/1\.[01]\r\n")


class Counter:
    def __init__(self):
        self.counts = {"list": 0, "head": 0, "get": 0, "other": 0, "connections": 0}

    def feed(self, state, data):
        # Only the client->server direction; GET/HEAD requests carry no body,
        # so request lines are all the stream holds besides headers.
        buf = state + data
        last_end = 0
        for m in REQUEST_LINE.finditer(buf):
            method, target = m.group(1), m.group(2)
            if method == b"GET" and b"list-type=2" in target:
                self.counts["list"] += 1
            elif method == b"HEAD":
                self.counts["head"] += 1
            elif method == b"GET":
                self.counts["get"] += 1
            else:
                self.counts["other"] += 1
            last_end = m.end()
        return buf[max(last_end, len(buf) - 512):]  # keep a tail for lines split across chunks


async def pump(reader, writer, delay, on_data=None):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def read_side():
        while True:
            data = await reader.read(65536)
            queue.put_nowait((loop.time() + delay, data))
            if not data:
                return

    async def write_side():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                try:
                    writer.write_eof()
                except OSError:
                    pass
                return
            if on_data:
                on_data(data)
            writer.write(data)
            await writer.drain()

    try:
        await asyncio.gather(read_side(), write_side())
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def main():
    listen_port, delay_ms, stats_file = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    upstreams = itertools.cycle(int(p) for p in sys.argv[4:])
    one_way = delay_ms / 2000.0
    counter = Counter()

    async def handle(client_reader, client_writer):
        counter.counts["connections"] += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", next(upstreams))
        except OSError:
            client_writer.close()
            return
        state = [b""]

        def count(data):
            state[0] = counter.feed(state[0], data)

        await asyncio.gather(pump(client_reader, up_writer, one_way, count), pump(up_reader, client_writer, one_way))

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("ready", flush=True)
    async with server:
        await stop.wait()
    with open(stats_file, "w") as f:
        json.dump(counter.counts, f)


asyncio.run(main())

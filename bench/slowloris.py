#!/usr/bin/env python3
"""Hostile HTTP clients for jobmon-serve benches and tests (asyncio, no dependencies).

Holds CONNS connections to HOST:PORT, spread over the source addresses
127.0.0.2 .. 127.0.0.(1+ADDRS) so a per-address cap does not simply refuse
them, each behaving as MODE:
  trickle  a request line, then one header byte every DELAY seconds (slowloris)
  noread   pipelined GET /api/jobs requests, never reading a byte of the answers
  sse      GET /api/stream, never reading
A connection the server closes is opened again at once, so the pressure lasts.
Prints "slowloris: N open" when all were opened once, then runs for SECONDS
(or until killed) and prints how many were open at the end and how many times
the server closed one.
  slowloris.py PORT [--conns 2000] [--addrs 100] [--mode trickle] [--delay 4] [--seconds 0]
"""
import argparse
import asyncio
import sys


class Stats:
    def __init__(self):
        self.open = 0
        self.closed_by_server = 0


async def one(args, index, stats, opened):
    source = f"127.0.0.{2 + index % args.addrs}"
    first = True
    while True:
        try:
            reader, writer = await asyncio.open_connection(args.host, args.port, local_addr=(source, 0))
        except OSError:
            await asyncio.sleep(0.5)
            continue
        stats.open += 1
        if first:
            first = False
            opened.release()
        try:
            if args.mode == "trickle":
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                await writer.drain()
                while True:
                    await asyncio.sleep(args.delay)
                    writer.write(b"X")
                    await writer.drain()
                    if reader.at_eof():
                        break
            elif args.mode == "noread":
                request = b"GET /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                while not reader.at_eof():
                    writer.write(request * 16)
                    await asyncio.wait_for(writer.drain(), timeout=args.delay * 4)
                    await asyncio.sleep(args.delay / 4)
            else:  # sse
                writer.write(b"GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                await writer.drain()
                while not reader.at_eof():
                    await asyncio.sleep(args.delay)
                    writer.write(b"\r\n")  # keeps probing the connection without reading
                    await writer.drain()
        except (OSError, asyncio.TimeoutError):
            pass
        stats.open -= 1
        stats.closed_by_server += 1
        writer.close()
        await asyncio.sleep(0.2)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--conns", type=int, default=2000)
    p.add_argument("--addrs", type=int, default=100)
    p.add_argument("--mode", choices=["trickle", "noread", "sse"], default="trickle")
    p.add_argument("--delay", type=float, default=4.0)
    p.add_argument("--seconds", type=float, default=0)
    args = p.parse_args()
    stats = Stats()
    opened = asyncio.Semaphore(0)
    tasks = []
    for i in range(args.conns):
        tasks.append(asyncio.create_task(one(args, i, stats, opened)))
        if i % 50 == 49:
            await asyncio.sleep(0.01)  # do not overflow the listen backlog of a slow server
    try:
        await asyncio.wait_for(asyncio.gather(*(opened.acquire() for _ in range(args.conns))), timeout=30)
    except asyncio.TimeoutError:
        pass
    print(f"slowloris: {stats.open} open", flush=True)
    if args.seconds > 0:
        await asyncio.sleep(args.seconds)
    else:
        await asyncio.Event().wait()
    print(f"slowloris: {stats.open} open at the end, {stats.closed_by_server} closed by the server", flush=True)
    for t in tasks:
        t.cancel()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)

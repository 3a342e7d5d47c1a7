#!/usr/bin/python3
"""Writes a Hugging Face Trainer output dir record by record, the way
transformers' Trainer and its TensorBoardCallback do, for the live tests of
jobmon (jobmon-status --watch in tmux, jobmon-serve in Chromium).

What it writes under OUTPUT_DIR, in the Trainer's order:
  runs/<Mon DD_HH-MM-SS>_<host>/events.out.tfevents.<time>.<host>.<pid>.0
      TFRecord framing (u64 length, masked CRC32C of it, an Event protobuf,
      masked CRC32C of the data), written and flushed one record at a time:
      the file_version record, then the args text summary (plugin "text",
      the TrainingArguments JSON with max_steps and num_train_epochs), then
      per logging step train/loss, train/learning_rate, train/grad_norm,
      train/epoch; per eval step eval/loss, eval/accuracy, eval/runtime...;
      at the end train/train_runtime, train/train_loss... (the final entry).
  checkpoint-<step>/trainer_state.json at each save (log_history so far),
      and at max_steps (the Trainer saves at the end with a save strategy).
  At the end: train_results.json, eval_results.json, all_results.json and
      trainer_state.json at the top (save_metrics, save_state).

--stop-at STEP stops after that step (a crash: no final entry, no results);
--tear leaves the first half of one more record at the end of the event
file; --backdate SECONDS writes the whole run as if it ended that long ago
(event wall times and file mtimes on a virtual clock) so a stopped run reads
as stalled or failed without waiting.

Python standard library only (run with /usr/bin/python3).
"""
import argparse
import datetime
import json
import math
import os
import socket
import struct
import sys
import time

# ---- CRC32C (Castagnoli), as TFRecord frames it -------------------------------------------

_CRC_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc(data):
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(payload):
    header = struct.pack("<Q", len(payload))
    return header + struct.pack("<I", masked_crc(header)) + payload + struct.pack("<I", masked_crc(payload))


# ---- protobuf wire format: just what tensorflow.Event needs -------------------------------

def varint(value):
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, data):
    return varint((number << 3) | 2) + varint(len(data)) + data


def field_double(number, value):
    return varint((number << 3) | 1) + struct.pack("<d", value)


def field_float(number, value):
    return varint((number << 3) | 5) + struct.pack("<f", value)


def event(wall_time, step=0, file_version=None, summary=None):
    """Event{wall_time=1, step=2, file_version=3, summary=5}."""
    out = field_double(1, wall_time)
    if step:
        out += field_varint(2, step)
    if file_version is not None:
        out += field_bytes(3, file_version.encode())
    if summary is not None:
        out += field_bytes(5, summary)
    return out


def scalar_summary(tag, value):
    """Summary{value=1: Value{tag=1, simple_value=2}} as torch's SummaryWriter.add_scalar writes it."""
    return field_bytes(1, field_bytes(1, tag.encode()) + field_float(2, value))


def text_summary(tag, text):
    """add_text: Value{tag=1 '<tag>/text_summary', metadata=9 {plugin_data=1 {plugin_name=1 'text'}},
    tensor=8 TensorProto{dtype=1 DT_STRING(7), tensor_shape=2 {dim=2 {size=1 1}}, string_val=8}}."""
    metadata = field_bytes(1, field_bytes(1, b"text"))
    shape = field_bytes(2, field_varint(1, 1))
    tensor = field_varint(1, 7) + field_bytes(2, shape) + field_bytes(8, text.encode("utf-8"))
    value = field_bytes(1, (tag + "/text_summary").encode()) + field_bytes(8, tensor) + field_bytes(9, metadata)
    return field_bytes(1, value)


# ---- the run ----------------------------------------------------------------------------------

class Clock:
    """Real time, or a virtual clock ending `backdate` seconds ago (step_seconds per step)."""

    def __init__(self, backdate, step_seconds, steps):
        self.virtual = backdate is not None
        self.t = time.time() - (backdate or 0) - steps * step_seconds
        self.step_seconds = step_seconds

    def now(self):
        return self.t if self.virtual else time.time()

    def advance(self, delay):
        if self.virtual:
            self.t += self.step_seconds
        elif delay > 0:
            time.sleep(delay)

    def stamp(self, path):
        """A virtual clock sets the mtime of what was just written (and its dir)."""
        if self.virtual:
            os.utime(path, (self.t, self.t))
            os.utime(os.path.dirname(path), (self.t, self.t))


def write_json(path, value, clock):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:  # as the Trainer writes it: in place, indent 2, sorted keys
        f.write(json.dumps(value, indent=2, sort_keys=True) + "\n")
    clock.stamp(path)


def rewrite_logs(logs):
    """TensorBoardCallback's names: eval_* -> eval/*, test_* -> test/*, the rest train/*."""
    out = {}
    for key, value in logs.items():
        if key.startswith("eval_"):
            out["eval/" + key[5:]] = value
        elif key.startswith("test_"):
            out["test/" + key[5:]] = value
        else:
            out["train/" + key] = value
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Write a Hugging Face Trainer output dir (TensorBoard events, checkpoints, results) "
                    "record by record, as transformers does, for jobmon's live tests.",
        epilog="Exit status 0 when it wrote what was asked (also with --stop-at), 2 for bad arguments.")
    parser.add_argument("output_dir", help="the Trainer's output_dir (created)")
    parser.add_argument("--max-steps", type=int, default=60, help="steps of the run (default 60)")
    parser.add_argument("--epochs", type=float, default=2, help="num_train_epochs (default 2)")
    parser.add_argument("--logging-steps", type=int, default=5, help="a training log entry every N steps (default 5)")
    parser.add_argument("--eval-steps", type=int, default=20, help="an evaluation every N steps; 0: none (default 20)")
    parser.add_argument("--save-steps", type=int, default=20, help="a checkpoint every N steps, and at the end (default 20)")
    parser.add_argument("--delay", type=float, default=0.1, help="seconds slept per step (default 0.1)")
    parser.add_argument("--start-delay", type=float, default=0,
                        help="seconds slept after the args record, before step 1 (loading/tokenizing)")
    parser.add_argument("--stop-at", type=int, default=None,
                        help="stop after this step as a crash would: no final entry, no results files")
    parser.add_argument("--tear", action="store_true", help="end the event file with half of one more record")
    parser.add_argument("--backdate", type=float, default=None,
                        help="write at once, as a run that ended this many seconds ago (virtual wall times and mtimes)")
    parser.add_argument("--step-seconds", type=float, default=10,
                        help="with --backdate: virtual seconds per step (default 10)")
    parser.add_argument("--host", default=socket.gethostname(), help="host name in the run and file names")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stdout")
    args = parser.parse_args(argv)
    if args.max_steps <= 0 or args.logging_steps <= 0 or args.save_steps <= 0 or args.eval_steps < 0:
        parser.error("--max-steps, --logging-steps and --save-steps must be positive, --eval-steps at least 0")
    if args.stop_at is not None and not 0 <= args.stop_at <= args.max_steps:
        parser.error("--stop-at must be between 0 and --max-steps")

    last_step = args.max_steps if args.stop_at is None else args.stop_at
    clock = Clock(args.backdate, args.step_seconds, last_step + 1)
    out = args.output_dir
    os.makedirs(out, exist_ok=True)
    host = args.host
    started = clock.now()
    run_name = datetime.datetime.fromtimestamp(started).strftime("%b%d_%H-%M-%S") + "_" + host
    logging_dir = os.path.join(out, "runs", run_name)
    os.makedirs(logging_dir, exist_ok=True)
    event_path = os.path.join(logging_dir, "events.out.tfevents.%d.%s.%d.0" % (int(started), host, os.getpid()))
    events = open(event_path, "ab")

    def write_record(payload):
        events.write(tfrecord(payload))
        events.flush()
        clock.stamp(event_path)

    def log_scalars(logs, step):
        for tag, value in rewrite_logs(logs).items():
            if isinstance(value, (int, float)):
                write_record(event(clock.now(), step, summary=scalar_summary(tag, float(value))))

    steps_per_epoch = max(1, math.ceil(args.max_steps / args.epochs))
    batch_size = 8
    training_args = {
        "output_dir": out, "overwrite_output_dir": False, "do_train": True, "do_eval": args.eval_steps > 0,
        "eval_strategy": "steps" if args.eval_steps > 0 else "no", "per_device_train_batch_size": batch_size,
        "per_device_eval_batch_size": batch_size, "learning_rate": 5e-05, "weight_decay": 0.0,
        "num_train_epochs": args.epochs, "max_steps": args.max_steps, "lr_scheduler_type": "linear",
        "warmup_steps": 0, "logging_dir": logging_dir, "logging_strategy": "steps",
        "logging_steps": args.logging_steps, "save_strategy": "steps", "save_steps": args.save_steps,
        "eval_steps": args.eval_steps or None, "seed": 42, "report_to": ["tensorboard"], "run_name": out,
    }
    write_record(event(clock.now(), file_version="brain.Event:2"))
    write_record(event(clock.now(), summary=text_summary("args", json.dumps(training_args, indent=2, sort_keys=True))))
    if args.start_delay > 0 and not clock.virtual:
        time.sleep(args.start_delay)

    log_history = []
    losses = []
    best = None  # (eval_loss, step)

    def state(step, finished):
        epoch = step / steps_per_epoch
        return {
            "best_global_step": best[1] if best else None,
            "best_metric": best[0] if best else None,
            "best_model_checkpoint": os.path.join(out, "checkpoint-%d" % best[1]) if best else None,
            "epoch": epoch, "eval_steps": args.eval_steps or None, "global_step": step,
            "is_hyper_param_search": False, "is_local_process_zero": True, "is_world_process_zero": True,
            "log_history": list(log_history), "logging_steps": args.logging_steps, "max_steps": args.max_steps,
            "num_input_tokens_seen": 0, "num_train_epochs": args.epochs, "save_steps": args.save_steps,
            "stateful_callbacks": {"TrainerControl": {"args": {"should_epoch_stop": False, "should_evaluate": False,
                                                               "should_log": False, "should_save": True,
                                                               "should_training_stop": finished},
                                                      "attributes": {}}},
            "total_flos": float(step * 1e12), "train_batch_size": batch_size, "trial_name": None,
            "trial_params": None,
        }

    for step in range(1, last_step + 1):
        clock.advance(args.delay)
        epoch = step / steps_per_epoch
        loss = 0.3 + 2.2 * math.exp(-3.0 * step / args.max_steps) + 0.02 * math.sin(step)
        losses.append(loss)
        if step % args.logging_steps == 0:
            entry = {"epoch": round(epoch, 4), "grad_norm": 1.0 + 0.5 * math.cos(step), "learning_rate":
                     5e-05 * (1 - step / args.max_steps), "loss": round(loss, 4), "step": step}
            log_history.append(entry)
            log_scalars({k: v for k, v in entry.items() if k != "step"}, step)
        if args.eval_steps and step % args.eval_steps == 0:
            eval_loss = 0.4 + 2.0 * math.exp(-2.5 * step / args.max_steps)
            if best is None or eval_loss < best[0]:
                best = (eval_loss, step)
            entry = {"epoch": round(epoch, 4), "eval_accuracy": 0.5 + 0.45 * (1 - math.exp(-3.0 * step / args.max_steps)),
                     "eval_loss": eval_loss, "eval_runtime": 1.25, "eval_samples_per_second": 80.0,
                     "eval_steps_per_second": 10.0, "step": step}
            log_history.append(entry)
            log_scalars({k: v for k, v in entry.items() if k != "step"}, step)
        if step % args.save_steps == 0 or step == args.max_steps:
            write_json(os.path.join(out, "checkpoint-%d" % step, "trainer_state.json"), state(step, step == args.max_steps), clock)
        if not args.quiet:
            print("step %d/%d" % (step, args.max_steps), flush=True)

    if args.stop_at is None:
        runtime = last_step * (args.step_seconds if clock.virtual else args.delay) + 1
        final = {"epoch": last_step / steps_per_epoch, "step": last_step, "total_flos": float(last_step * 1e12),
                 "train_loss": sum(losses) / len(losses), "train_runtime": runtime,
                 "train_samples_per_second": last_step * batch_size / runtime,
                 "train_steps_per_second": last_step / runtime}
        log_history.append(final)
        log_scalars({k: v for k, v in final.items() if k != "step"}, last_step)
        train_results = {k: v for k, v in final.items() if k != "step"}
        train_results["train_samples"] = last_step * batch_size
        write_json(os.path.join(out, "train_results.json"), train_results, clock)
        all_results = dict(train_results)
        if best is not None:
            eval_results = {"epoch": final["epoch"], "eval_loss": best[0], "eval_runtime": 1.25,
                            "eval_samples_per_second": 80.0, "eval_steps_per_second": 10.0}
            write_json(os.path.join(out, "eval_results.json"), eval_results, clock)
            all_results.update(eval_results)
        write_json(os.path.join(out, "all_results.json"), all_results, clock)
        write_json(os.path.join(out, "trainer_state.json"), state(last_step, True), clock)
    if args.tear:
        record = tfrecord(event(clock.now(), last_step + 1, summary=scalar_summary("train/loss", 0.5)))
        events.write(record[: len(record) // 2])
        events.flush()
        clock.stamp(event_path)
    events.close()
    if not args.quiet:
        print("done" if args.stop_at is None else "stopped at step %d" % last_step, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

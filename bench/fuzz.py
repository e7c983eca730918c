"""Fuzz clean()/clean_document() over the text and HTML paths.

Usage:
    python bench/fuzz.py --count 100000            # the full run
    python bench/fuzz.py --count 2000 --seed 7     # a quick one
    python bench/fuzz.py --count 100000 --jobs 2 --html-share 0.1 --out /tmp/cleaner-fuzz

Every input is made from a seeded random generator (input i of a run with
--seed S is always the same), so any failure is reproducible: it is also
written to --out as a file with the exception. Inputs mix: dump-like text
(words, punctuation, boilerplate phrases, blank lines, indentation), random
Unicode (lone surrogates, controls, line separators included), random and
mutated bytes (BOMs, declared charsets, invalid UTF-8, gzip magic),
HTML-ish markup (tags, broken markup, entities, deep nesting), and byte-level
mutations (flips, splices, repeats) of all of these.

Checked for every input: no exception, str out, no call slower than
--slow seconds. On the text path also: output blocks are stripped input lines
in input order, the removals put back rebuild the input's blocks,
clean(clean(x)) == clean(x); every 10th input is cleaned twice (determinism).

Prints progress every 10,000 inputs and at the end: inputs per path, failures,
slowest call, elapsed seconds. Exit code 1 if anything failed.
"""

from __future__ import annotations

import argparse
import codecs
import multiprocessing as mp
import os
import random
import sys
import time
import traceback

WORDS = (
    "the a of and to in is was said minister government le la les de des et à une der die das und "
    "ist el los que il di che het een police city year people report two million Paris réforme "
    "Straße Größe élection €5 10:30 2026 https://example.com @user #tag"
).split()
BOILERPLATE = [
    "Leave a Reply", "LAISSER UN COMMENTAIRE", "spot_img", "Publicité", "Advertisement", "Anzeige",
    "Publicidad", "Captcha verification failed!", "Articles connexes", "Les plus lus", "To Top",
    "Share", "Votre adresse e-mail ne sera pas publiée.", "Related posts", "Cancel reply",
    "© 2024 All rights reserved", "Read more", "Newsletter", "Home » News » World",
    "Source : BFMTV", "(AFP)", "0 comments", "Politique", "vendredi 13 février 2026",
]
PUNCT = list(".,;:!?…«»“”’()|-–—/\\*•#@&%$€©®™")
SPECIAL = list("\x00\x01\x07\x08\x0b\x0c\x1b\x1c\x1d\x1e\x7f\x85\xa0\xad\u200b\u200d\u2028\u2029\u202e\u3000\ufeff\ufffd\ufffe\U0001f600") + [
    "\ud800", "\udfff", "\udc80", "\r", "\r\n", "\t", "\n\n",
]
TAGS = "p div span a h1 h2 li ul ol article nav footer header section main aside script style br img table tr td form textarea title meta noscript pre svg iframe template".split()
HTML_BITS = ["<!--", "-->", "<", ">", "&amp;", "&#0;", "&#x110000;", "&bogus;", "&nbsp;", "<![CDATA[", "]]>", "</", "<p", "<?xml version='1.0'?>", "<!DOCTYPE html>", '<meta charset="latin-1">', '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">']
ATTRS = ["", " class=x", ' id="a"', ' href="/x?a=1&b=2"', " =", ' "', ' style="a<b"']
PREFIXES = [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, b"\x1f\x8b", b"\x1f\x8b\x08\x00"]
ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1", "cp1251", "koi8-r", "shift_jis", "gb18030"]


def sentence(r: random.Random) -> str:
    words = [r.choice(WORDS) for _ in range(r.randint(1, 40))]
    if r.random() < 0.3:
        words = [w + r.choice(PUNCT) if r.random() < 0.1 else w for w in words]
    return " ".join(words) + r.choice(["", ".", ".", "!", "?", "…", ":", " ..."])


def dump(r: random.Random) -> str:
    lines = []
    for _ in range(r.randint(0, 60)):
        k = r.random()
        if k < 0.45:
            line = sentence(r)
        elif k < 0.75:
            line = r.choice(BOILERPLATE)
        elif k < 0.85:
            line = ""
        elif k < 0.95:
            line = "".join(r.choice(SPECIAL + PUNCT + WORDS) for _ in range(r.randint(1, 8)))
        else:
            line = random_unicode(r, 20)
        lines.append(r.choice(["", "", "  ", "    ", "\t"]) + line + r.choice(["", "", " "]))
    if lines and r.random() < 0.3:  # a repeated block, as dumps repeat headlines
        lines.insert(r.randrange(len(lines) + 1), r.choice(lines))
    return r.choice(["\n", "\n", "\n\n", "\r\n", "\r"]).join(lines)


def random_unicode(r: random.Random, n: int) -> str:
    out = []
    for _ in range(r.randint(0, n)):
        k = r.random()
        if k < 0.5:
            out.append(chr(r.randint(0x20, 0x7E)))
        elif k < 0.7:
            out.append(chr(r.randint(0xA0, 0x24F)))
        elif k < 0.8:
            out.append(r.choice(SPECIAL))
        else:
            out.append(chr(r.randint(0, 0x10FFFF)))
    return "".join(out)


def html(r: random.Random) -> str:
    parts = [r.choice(["", "<!DOCTYPE html>", "<html>", "<html><head><title>" + sentence(r) + "</title></head><body>"])]
    if r.random() < 0.05:  # deep nesting
        depth = r.randint(100, 5000)
        tag = r.choice(TAGS)
        return parts[0] + f"<{tag}>" * depth + sentence(r) + f"</{tag}>" * r.randint(0, depth)
    for _ in range(r.randint(0, 60)):
        k = r.random()
        tag = r.choice(TAGS)
        if k < 0.25:
            parts.append(f"<{tag}{r.choice(ATTRS)}>")
        elif k < 0.4:
            parts.append(f"</{tag}>")
        elif k < 0.7:
            parts.append(sentence(r))
        elif k < 0.85:
            parts.append(r.choice(BOILERPLATE))
        elif k < 0.95:
            parts.append(r.choice(HTML_BITS))
        else:
            parts.append(random_unicode(r, 10))
    return "".join(parts)


def to_bytes(r: random.Random, text: str) -> bytes:
    encoding = r.choice(ENCODINGS)
    data = text.encode(encoding, errors=r.choice(["replace", "ignore", "surrogatepass"]) if encoding.startswith("utf") else "replace")
    return r.choice(PREFIXES) + data if r.random() < 0.3 else data


def mutate(r: random.Random, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(r.randint(1, 8)):
        k = r.random()
        if k < 0.3 and data:
            i = r.randrange(len(data))
            data[i] ^= 1 << r.randrange(8)
        elif k < 0.5:
            i = r.randint(0, len(data))
            data[i:i] = bytes(r.randrange(256) for _ in range(r.randint(1, 16)))
        elif k < 0.7 and data:
            i = r.randrange(len(data))
            del data[i:i + r.randint(1, 32)]
        elif k < 0.85 and data:
            i = r.randrange(len(data))
            j = min(len(data), i + r.randint(1, 64))
            data[i:i] = data[i:j] * r.randint(2, 50)
        else:
            data[0:0] = r.choice(PREFIXES)
    return bytes(data)


def make_input(seed: int, i: int, html_share: float):
    """(path, input) for input number i: path is "text" or "html"."""
    r = random.Random(f"{seed}:{i}")
    if r.random() < html_share:
        x = html(r)
        k = r.random()
        if k < 0.3:
            return "html", to_bytes(r, x)
        if k < 0.4:
            return "html", mutate(r, x.encode("utf-8", "surrogatepass"))
        return "html", x
    k = r.random()
    if k < 0.5:
        return "text", dump(r)
    if k < 0.65:
        return "text", random_unicode(r, 400)
    if k < 0.8:
        return "text", to_bytes(r, dump(r))
    if k < 0.9:
        return "text", mutate(r, dump(r).encode("utf-8", "surrogatepass"))
    return "text", bytes(r.randrange(256) for _ in range(r.randint(0, 600)))


def check(path: str, x, slow: float, twice: bool) -> float:
    from cleaner import clean, clean_document
    from cleaner.document import split_blocks, to_text

    kind = "html" if path == "html" else "text"
    start = time.perf_counter()
    doc = clean_document(x, kind=kind)
    elapsed = time.perf_counter() - start
    assert isinstance(doc.text, str)
    if elapsed > slow:
        raise AssertionError(f"slow: {elapsed:.2f} s")
    if twice:
        assert clean_document(x, kind=kind) == doc, "not deterministic"
    if kind == "text":
        if isinstance(x, bytes):
            try:
                from cleaner.compressed import gunzip_if_compressed

                x = gunzip_if_compressed(x)
            except ImportError:
                pass
        blocks = [b.text for b in split_blocks(to_text(x))]
        assert doc.rebuild() == blocks, "removals put back do not rebuild the input's blocks"
        pos = 0
        for block in (doc.text.split("\n\n") if doc.text else []):
            try:
                pos = blocks.index(block, pos) + 1
            except ValueError:
                raise AssertionError(f"output block not an input block in order: {block!r}") from None
    assert clean(doc.text, kind="text") == doc.text, "not idempotent"
    return elapsed


def worker(args):
    seed, start, stop, html_share, slow, out = args
    from cleaner import clean

    clean("warm up. The minister said.")
    counts = {"text": 0, "html": 0}
    failures = []
    slowest = (0.0, -1)
    for i in range(start, stop):
        path, x = make_input(seed, i, html_share)
        counts[path] += 1
        try:
            elapsed = check(path, x, slow, twice=i % 10 == 0)
            if elapsed > slowest[0]:
                slowest = (elapsed, i)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded
            failures.append((i, path, f"{type(exc).__name__}: {exc}"))
            if len(failures) > 200:  # enough to reproduce; the summary counts the rest
                continue
            os.makedirs(out, exist_ok=True)
            base = os.path.join(out, f"seed{seed}-{i}-{path}")
            with open(base + (".bin" if isinstance(x, bytes) else ".txt"), "wb") as f:
                f.write(x if isinstance(x, bytes) else x.encode("utf-8", "surrogatepass"))
            with open(base + ".error.txt", "w", encoding="utf-8") as f:
                f.write(traceback.format_exc())
    return counts, failures, slowest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--html-share", type=float, default=0.1, help="share of inputs on the HTML path (slower)")
    ap.add_argument("--slow", type=float, default=10.0, help="a call slower than this (seconds) is a failure")
    ap.add_argument("--out", default="/tmp/cleaner-fuzz", help="where failing inputs are written")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    chunk = 10_000
    tasks = [(args.seed, s, min(s + chunk, args.count), args.html_share, args.slow, args.out) for s in range(0, args.count, chunk)]
    counts = {"text": 0, "html": 0}
    failures = []
    slowest = (0.0, -1)
    with mp.get_context("spawn").Pool(args.jobs) as pool:
        for c, f, s in pool.imap(worker, tasks):
            for k in counts:
                counts[k] += c[k]
            failures.extend(f)
            slowest = max(slowest, s)
            done = sum(counts.values())
            print(f"{done:>8} inputs  {len(failures)} failures  {time.perf_counter() - t0:8.1f} s", flush=True)
    kinds: dict[str, list[int]] = {}
    for i, path, message in failures:
        kinds.setdefault(f"{path}: {message.split(chr(10))[0][:120]}", []).append(i)
    for what, inputs in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
        print(f"FAIL x{len(inputs)}: {what} (inputs {', '.join(map(str, inputs[:5]))}{', ...' if len(inputs) > 5 else ''})")
    print(f"inputs: {sum(counts.values())} (text {counts['text']}, html {counts['html']}); "
          f"failures: {len(failures)}; slowest call: {slowest[0]:.2f} s (input {slowest[1]}); "
          f"elapsed: {time.perf_counter() - t0:.1f} s; seed {args.seed}")
    if failures:
        print(f"failing inputs written to {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Time clean() on growing inputs and check that time is linear in size.

Usage:
    python bench/scale.py                      # 1, 10, 100 MB dumps and a 20 MB single line
    python bench/scale.py --sizes 1 4 16 --line-mb 4     # quicker
    python bench/scale.py --profile 10         # pyinstrument profile of the 10 MB dump
                                               # (pip install pyinstrument; not a dependency)

Prints one row per input: kind, size in MB, blocks, seconds, seconds per MB;
then the slope (seconds per MB, least squares over the dumps) and the ratio
of the largest dump's seconds-per-MB to the smallest's (about 1 when time is
linear; grows with size when some part is quadratic). Exit code 1 when that
ratio is above --max-ratio (default 3: the machine is shared and noisy).

The dump is a synthetic page dump repeated: site chrome, a headline, prose
paragraphs in French and English, boilerplate lines (comment form, ads,
related lists), indentation and blank lines, with a counter in some lines so
that not every block is a repeat.
"""

from __future__ import annotations

import argparse
import sys
import time

PAGE = [
    "Accueil",
    "Politique",
    "  Économie",
    "vendredi 13 février 2026",
    "",
    "Le gouvernement présente une réforme des retraites n°{n}",
    "Le gouvernement a présenté mercredi une réforme des retraites très contestée, a déclaré la Première ministre devant l'Assemblée nationale.",
    "« C'est une décision difficile mais nécessaire », a-t-elle ajouté, alors que l'opposition dénonçait un passage en force.",
    "spot_img",
    "Publicité",
    "The minister said on Tuesday that the new budget, number {n}, would be presented to parliament next week after months of talks.",
    "Critics argued that the plan did not go far enough and that the costs for households would keep rising through the winter.",
    "    Source : BFMTV",
    "Articles connexes",
    "Un autre titre d'article {n}",
    "Encore un autre titre",
    "LAISSER UN COMMENTAIRE",
    "Votre adresse e-mail ne sera pas publiée.",
    "Leave a Reply",
    "© 2026 Exemple. Tous droits réservés.",
    "",
]


def make_dump(megabytes: float) -> str:
    target = int(megabytes * (1 << 20))
    parts, size, n = [], 0, 0
    while size < target:
        page = "\n".join(PAGE).replace("{n}", str(n)) + "\n"
        parts.append(page)
        size += len(page.encode("utf-8"))
        n += 1
    return "".join(parts)


def make_line(megabytes: float) -> str:
    sentence = "The minister said the plan, which costs 3 billion euros, would pass. "
    return (sentence * (int(megabytes * (1 << 20)) // len(sentence) + 1))[: int(megabytes * (1 << 20))]


def timed(text: str) -> tuple[float, int]:
    from cleaner import clean_document

    start = time.perf_counter()
    doc = clean_document(text, kind="text")
    return time.perf_counter() - start, len(doc.kept) + len(doc.removed)


def slope(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else ys[0] / xs[0]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1, 10, 100], help="dump sizes in MB")
    ap.add_argument("--line-mb", type=float, default=20, help="size of the single-line file in MB (0: skip)")
    ap.add_argument("--max-ratio", type=float, default=3.0)
    ap.add_argument("--profile", type=float, metavar="MB", help="profile one dump of this size with pyinstrument")
    args = ap.parse_args(argv)

    timed("warm up: load the rule sets. The minister said this.")
    if args.profile:
        from pyinstrument import Profiler

        text = make_dump(args.profile)
        with Profiler() as profiler:
            timed(text)
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        return 0

    print(f"{'input':<12} {'MB':>7} {'blocks':>9} {'seconds':>9} {'s/MB':>7}", flush=True)
    xs, ys = [], []
    for mb in args.sizes:
        text = make_dump(mb)
        real_mb = len(text.encode("utf-8")) / (1 << 20)
        seconds, blocks = timed(text)
        del text
        xs.append(real_mb)
        ys.append(seconds)
        print(f"{'dump':<12} {real_mb:>7.1f} {blocks:>9} {seconds:>9.2f} {seconds / real_mb:>7.3f}", flush=True)
    if args.line_mb:
        text = make_line(args.line_mb)
        seconds, blocks = timed(text)
        print(f"{'single line':<12} {args.line_mb:>7.1f} {blocks:>9} {seconds:>9.2f} {seconds / args.line_mb:>7.3f}", flush=True)
    per_mb = [y / x for x, y in zip(xs, ys)]
    ratio = per_mb[-1] / per_mb[0] if per_mb[0] else float("inf")
    print(f"slope: {slope(xs, ys):.3f} s/MB over the dumps; s/MB largest/smallest: {ratio:.2f} "
          f"({'linear' if ratio <= args.max_ratio else 'NOT linear'})")
    return 0 if ratio <= args.max_ratio else 1


if __name__ == "__main__":
    sys.exit(main())

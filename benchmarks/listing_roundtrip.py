"""Round trip of the real corpus through the listing parser, in each of the three shapes.

    .venv/bin/python benchmarks/listing_roundtrip.py            # all 100,000 records (about 2 minutes)
    .venv/bin/python benchmarks/listing_roundtrip.py --limit 5000

Each record is rendered as real pages show it (tests/listing_render.py), in files of 100
papers, parsed back with the importer's parser and compared field by field. Printed per
shape: exact (every field right, no flag), flagged (a flag or a reported skip; how many of
those were right anyway), wrong (a field wrong with no flag: must be 0), refused files, and
for cards the share of bylines read exactly. Generated hazards the corpus lacks follow.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.listing_render import CORPUS, SHAPES, hazard_records, load_corpus, round_trip  # noqa: E402

HAZARDS = 6000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N records only")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--examples", type=int, default=5, help="wrong readings to print per shape")
    args = parser.parse_args()
    started = time.perf_counter()
    records = load_corpus(args.corpus, args.limit)
    print(f"{len(records):,} records read in {time.perf_counter() - started:.1f} s")
    failed = False
    for name, batch in (("corpus", records), ("hazards", hazard_records(records[:HAZARDS]))):
        for shape in SHAPES:
            began = time.perf_counter()
            tally = round_trip(batch, shape)
            seconds = time.perf_counter() - began
            line = (f"{name:8} {shape:9} {tally.total:>7,}  exact {tally.exact:>7,} ({100 * tally.exact / tally.total:.3f} %)"
                    f"  flagged {tally.flagged:>5,} (right {tally.flagged_right:,})  wrong {tally.wrong:>3}"
                    f"  refused files {tally.refused_files}  {seconds:.1f} s")
            if shape == "cards":
                line += f"  bylines exact {100 * tally.byline_exact / tally.total:.3f} %"
            print(line, flush=True)
            for example in tally.wrong_examples[: args.examples]:
                print("    wrong:", str(example)[:300])
            failed |= bool(tally.wrong or tally.refused_files)
    print(f"total {time.perf_counter() - started:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

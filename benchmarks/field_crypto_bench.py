"""Per-row cost of encrypting members' personal data: ID number (encrypt + blind index) and
phone (encrypt), for each cipher, on N values (default 200,000). Prints CPU µs per row
(process time, so that other load on a shared machine does not count).

    uv run python benchmarks/field_crypto_bench.py [N]

A benchmark, not a test: the member import's throughput with encryption on is measured by
benchmarks/import_bench.py; this isolates the crypto's share of it.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianhui.settings")
os.environ.setdefault("JIANHUI_DATA_DIR", tempfile.mkdtemp(prefix="jh-bench-"))

import django  # noqa: E402

django.setup()

from django.test.utils import override_settings  # noqa: E402

from jianhui.lib.codes import make_id_number  # noqa: E402
from jianhui.unions.models import Member  # noqa: E402


def main(n: int) -> None:
    ids = [make_id_number("510623", dt.date(1960, 1, 1) + dt.timedelta(days=i // 900), i % 900)
           for i in range(n)]
    phones = [f"138{i:08d}" for i in range(n)]
    id_field, phone_field = Member._meta.get_field("id_number"), Member._meta.get_field("phone")
    for cipher in ("aes", "sm4"):
        with override_settings(JIANHUI_FIELD_CIPHER=cipher):
            id_field.get_db_prep_value(ids[0], None)  # build the keyring and cipher once
            start = time.process_time()
            tokens = [id_field.get_db_prep_value(v, None) for v in ids]
            enc = time.process_time() - start
            start = time.process_time()
            for v in ids:
                id_field.index_for(v)
            idx = time.process_time() - start
            start = time.process_time()
            for v in phones:
                phone_field.get_db_prep_value(v, None)
            ph = time.process_time() - start
            start = time.process_time()
            for t in tokens:
                id_field.from_db_value(t, None, None)
            dec = time.process_time() - start
        per = 1e6 / n
        print(f"{cipher}: id encrypt {enc * per:.2f} µs, index {idx * per:.2f} µs, "
              f"phone encrypt {ph * per:.2f} µs → {(enc + idx + ph) * per:.2f} µs/row "
              f"({(enc + idx + ph):.2f} s for {n:,} rows); decrypt {dec * per:.2f} µs")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)

"""The roster's per-row personal-data work, before and after batching, side by side in one run.

    DJANGO_DEBUG=true .venv/bin/python bench/roster_crypto.py [ROWS]

Each row of an import needs the HMAC of its ID number (match key and lookup column) and of its
phone, and AES-GCM ciphertext of both for the staged file. "per row" is the form the preview
first had: `hmac.new` for each value (the ID number's twice), one `encrypt` call per value, and
the household kind looked up by a lazy label. "batched" is `visits/roster.py` now: the HMAC from a
copy of a pre-keyed object, once per ID number, and `encrypt_many` per chunk. The two are run
alternately, five times each, in CPU time of this process (the machine is shared), and the
medians compared; the same rows go through both. Runs on any database (no queries).
"""

import hashlib
import hmac
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
REPEATS = 5
CHUNK = 5000


def main():
    import django

    django.setup()
    from campaigns.lib import crypto
    from visits.choices import HouseholdKind
    from visits.roster import kind_by_label

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rnd = random.Random(7)
    rows = [(f"{rnd.randrange(10**17, 10**18)}", f"139{rnd.randrange(10**7, 10**8)}", "家庭") for _ in range(n)]
    lazy_kinds = {label: value for value, label in HouseholdKind.choices}
    key = crypto._hmac_key()

    def per_row():
        out = []
        for id_number, phone, kind in rows:
            h = hmac.new(key, id_number.encode(), hashlib.sha256).hexdigest()
            match = f"id:{hmac.new(key, id_number.encode(), hashlib.sha256).hexdigest()}"
            p = hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()
            out.append((match, h, p, lazy_kinds.get(kind), crypto.encrypt(id_number), crypto.encrypt(phone)))
        return out

    def batched():
        kinds = kind_by_label()
        out = []
        for start in range(0, n, CHUNK):
            chunk = []
            for id_number, phone, kind in rows[start : start + CHUNK]:
                h = crypto.hmac_of(id_number)
                chunk.append((f"id:{h}", h, crypto.hmac_of(phone), kinds.get(kind), id_number, phone))
            ids = crypto.encrypt_many([r[4] for r in chunk])
            phones = crypto.encrypt_many([r[5] for r in chunk])
            out.extend((*r[:4], i, p) for r, i, p in zip(chunk, ids, phones, strict=True))
        return out

    a, b = per_row(), batched()  # warm-up; both give the same HMACs and kinds
    assert [r[:4] for r in a] == [r[:4] for r in b]
    assert crypto.decrypt(b[0][4]) == rows[0][0] and crypto.decrypt(b[0][5]) == rows[0][1]
    times = {"per row": [], "batched": []}
    for _ in range(REPEATS):
        for name, fn in (("per row", per_row), ("batched", batched)):
            t = time.process_time()
            fn()
            times[name].append(time.process_time() - t)
    print(f"load average {os.getloadavg()[0]:.2f}; {n} rows; CPU seconds, median of {REPEATS}")
    for name, samples in times.items():
        print(f"  {name:8} {statistics.median(samples):.3f} s  ({', '.join(f'{s:.3f}' for s in samples)})")
    print(f"  speed-up {statistics.median(times['per row']) / statistics.median(times['batched']):.2f}x")


if __name__ == "__main__":
    main()

"""The OpenFisca comparison itself is checked: on a small population both engines give the same
recipients and totals for every benefit and copy, Mera's totals are whole kopecks, Mera in
processes (the households split in parts) gives the totals of Mera in one, and the benefits
written by hand in numpy (the floor of a numpy backend) give Mera's totals exactly."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import openfisca_compare as compare


def test_mera_and_openfisca_agree_on_a_small_population():
    figure = compare.run(4000, copies=2, seed=11, processes=3)  # processes: the totals of parts add up
    assert figure["problems"] == [] and figure["processes"] == 3
    mera, openfisca = figure["mera_totals"], figure["openfisca_totals"]
    assert sorted(mera) == sorted(openfisca) and len(mera) == 6
    assert figure["by_hand_totals"] == mera  # to the kopeck (a difference would also be a problem above)
    for code, (recipients, total) in mera.items():
        assert recipients > 0 and isinstance(total, int) and total > 0, code
        assert openfisca[code][0] == recipients
    # the copy with parameters 1 % higher pays more
    assert mera["veteran_payment_1"][1] > mera["veteran_payment_0"][1]


def test_a_disagreement_is_reported():
    mera = {"child_allowance_0": (10, 1_000_000)}
    assert compare.compare(mera, {"child_allowance_0": (10, 1_000_003)}) == []  # float32 rounding
    problems = compare.compare(mera, {"child_allowance_0": (11, 1_200_000)})
    assert len(problems) == 2 and "11 in OpenFisca" in problems[0]

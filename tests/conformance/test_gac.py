"""Group-informed consensus against the value Polis exported for bg2050-volunteers.

bg2050-volunteers is the only openData export in the newest format, whose comments.csv
carries Polis's own ``group-informed-consensus`` for every comment. Given Polis's groups
(the ``group-id`` column of participants-votes.csv), parley's GAC must reproduce it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from parley.core.matrix import build_vote_matrix
from parley.core.pipeline import analyze
from parley.io.polis import PolisExport

pytestmark = pytest.mark.opendata

BG2050 = "bg2050-volunteers"


def test_gac_reproduces_polis_export(polis_export: Callable[[str], PolisExport]) -> None:
    export = polis_export(BG2050)
    st = export.statements
    assert st.group_informed_consensus is not None
    assert export.polis_groups is not None
    ev = export.votes
    matrix = build_vote_matrix(
        ev.participant_ids, ev.statement_ids, ev.values, timestamps=ev.timestamps
    )
    analysis = analyze(
        matrix,
        moderated_out=st.ids[st.moderated == -1],
        meta=st.ids[st.is_meta],
        groups=export.polis_groups,
    )
    # Polis computes GAC for the comments that have votes (the columns of its matrix); every
    # one of the 371 comments of bg2050 has votes, so all of them are columns here too.
    assert len(st.ids) == 371
    columns = matrix.column_of(st.ids)
    assert (columns >= 0).all()
    assert analysis.k == len(np.unique(export.polis_groups[1])) == 2
    # moderated-out and meta comments keep their raw votes in GAC (raw-rating-mat)
    assert (st.moderated == -1).sum() == 55 and st.is_meta.sum() == 1
    np.testing.assert_allclose(
        analysis.gac[columns], st.group_informed_consensus, rtol=0, atol=1e-9
    )
    # pin the statement-id alignment: the values are not a permutation-invariant match
    shifted = np.roll(analysis.gac[columns], 1)
    assert np.abs(shifted - st.group_informed_consensus).max() > 1e-3


def test_gac_uses_group_members_only(polis_export: Callable[[str], PolisExport]) -> None:
    """Ungrouped participants (not in-conv for Polis) do not count towards GAC."""
    export = polis_export(BG2050)
    assert export.polis_groups is not None
    ev = export.votes
    matrix = build_vote_matrix(
        ev.participant_ids, ev.statement_ids, ev.values, timestamps=ev.timestamps
    )
    analysis = analyze(matrix, groups=export.polis_groups)
    grouped = np.isin(matrix.participant_ids, export.polis_groups[0])
    assert (~grouped).sum() == 126 - 108
    seen = analysis.group_counts.seen.sum(axis=0)
    per_statement = np.diff(matrix.values.tocsc().indptr)
    ungrouped = np.diff(matrix.values[~grouped].tocsc().indptr)
    np.testing.assert_array_equal(seen, per_statement - ungrouped)

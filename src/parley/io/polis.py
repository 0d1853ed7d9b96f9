"""Polis openData exports: read a folder or .zip into arrays, and write one back.

An export is a folder (or a .zip of one, with the files at top level or inside one folder)
holding:

* ``comments.csv`` -- one row per statement, in either header variant::

      timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body
      timestamp,comment-id,author-id,agrees,disagrees,moderated,is-meta,is-seed,
      group-informed-consensus,comment-body        (newest; one line in the file)

* ``votes.csv`` -- the vote log ``timestamp,datetime,comment-id,voter-id,vote``; a changed
  vote is an extra row. Every event is kept, sorted stably by timestamp; the last vote per
  (participant, statement) wins later, in ``parley.core.matrix.build_vote_matrix``.
* ``participants-votes.csv`` -- ``participant,[xid,]group-id,n-comments,n-votes,n-agree,
  n-disagree,<comment-id>...``, one row per participant holding the final votes (1/-1/0 or
  empty). Used for the votes only when votes.csv is absent; its ``group-id`` column always
  gives ``PolisExport.polis_groups``.
* ``summary.csv`` -- ``key,value`` rows without a header (values may span lines).

Missing values: an empty ``author-id`` or ``timestamp`` reads as -1, absent ``is-meta`` /
``is-seed`` columns as False, and ``group-informed-consensus`` is None unless the column is
present with at least one value (empty cells are then NaN). ``polis_groups`` is None when
participants-votes.csv is absent or gives nobody a group-id. An export without votes.csv and
participants-votes.csv (three of the openData conversations) raises NotFoundError.

Sign convention
---------------
Inside parley agree = +1, disagree = -1, pass = 0. The Clojure openData export already
writes votes that way (it flips the database's signs on export), so its files are read as
they are. Polis's database, API and the newer TypeScript report export use the opposite,
agree = -1. ``read_polis_export`` therefore checks every export against itself: the
``agrees``/``disagrees`` counts in comments.csv (which include superseded votes) are
compared with the number of +1 and -1 votes per statement. When ``agrees`` fits the -1
counts clearly better (at most half the mean absolute error, a correlation that is not
lower, and at least 3 statements and 10 agree/disagree votes), the export is taken to store
agree as -1 and, with ``signs="auto"``, SignConventionError is raised with the evidence.
``signs="flipped"`` negates every vote on read (``PolisExport.sign_flipped`` is then True);
``signs="export"`` trusts the file without checking. The check cannot catch a file whose
comment counts were computed in the same wrong convention as its votes.

``write_polis_export`` always writes the +1 = agree convention (and comments.csv in the
newest header variant), so what it writes reads back with ``signs="auto"``. It writes
participants-votes.csv from the final votes (last vote wins) and votes.csv only when the
export has a vote log (timestamps); an export read from participants-votes.csv is written
without votes.csv, so it reads back the same way.

Errors: a user mistake raises ExportFormatError (NotFoundError for a missing path or file)
naming the file, the 1-based line (the header is line 1) and the problem.
"""

from __future__ import annotations

from .polis_model import PolisExport, SignMode, StatementTable, VoteEvents, VoteSource
from .polis_read import read_polis_export
from .polis_write import write_polis_export

__all__ = [
    "PolisExport",
    "SignMode",
    "StatementTable",
    "VoteEvents",
    "VoteSource",
    "read_polis_export",
    "write_polis_export",
]

"""The catalog sync engine: classify dirty SKUs, send them in batches, follow feed logs and reviews.

One module per step: `runs` (a run's set of rows, sealed and completed once it settles), `sweep` (claim
and classify dirty rows), `send` (the per-catalog send loop), `feedlog` (a sent batch's feed log applied
to its rows), `review` (TikTok's review status), `reconcile` (the nightly cross-check),
`maintenance` (reaper and pruning) and `entry` (what the page, the connect flow and ops start). Other
apps, the views and the commands call them through `catalog_sync.services`; the tasks import the steps.

Everything here takes IDs, re-reads state, and changes it with compare-and-set updates, so a task that
runs twice (redelivery after a worker died) does no harm. Only one writer per catalog at a time: the
send step holds a lease named after the connection, and TikTok's one-write-per-catalog rule is kept by
never sending the next batch before the previous feed log has finished.
"""
